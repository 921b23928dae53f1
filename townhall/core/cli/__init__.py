"""Pieces the management commands share: progress bars and summaries (rich)."""
