"""Groups: niche sub-communities that are public, private (join requests) or secret (invite only)."""
