"""git: a local repository's history."""
