"""Identity resolution: deciding which accounts belong to the same person."""
