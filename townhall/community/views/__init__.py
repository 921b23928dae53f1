"""Community pages (pages.py) and the forms' POST targets (actions.py)."""
