"""One module per page (or small family of pages); routes.py is the table."""
