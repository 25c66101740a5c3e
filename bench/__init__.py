"""Bastion's benchmark suite: Bastion and node-oidc-provider side by side (see README.md)."""
