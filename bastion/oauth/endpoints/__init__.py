"""One module per endpoint; each lists its checks in order."""
