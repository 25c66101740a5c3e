"""Wire mechanics every face shares: bodies, forms, JSON responses, client credentials."""
