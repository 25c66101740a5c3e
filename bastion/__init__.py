"""Bastion: a self-hostable, multi-tenant OAuth 2.1 / OpenID Connect identity platform."""
