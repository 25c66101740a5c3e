"""Rules for apps (identity realms) and workspaces (tenants)."""

from __future__ import annotations

import re

# First path segments that other surfaces, pages and operations own (contracts/README.md).
RESERVED_SLUGS = frozenset(
    {
        "api",
        "oidc",
        "webhooks",
        "authorize",
        "v1",
        "oauth",
        "well-known",
        "static",
        "console",
        "login",
        "device",
        "oauth2",
        "health",
        "metrics",
        "docs",
        "healthz",
        "readyz",
    }
)

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def check_app_slug(slug: str, *, max_length: int = 64) -> str | None:
    """Return why ``slug`` cannot name an app, or None when it can."""
    if not 3 <= len(slug) <= max_length:
        return f"must be 3 to {max_length} characters long"
    if not _SLUG.match(slug):
        return "may contain only a-z, 0-9 and inner hyphens"
    if slug in RESERVED_SLUGS:
        return f"'{slug}' is reserved"
    return None


def check_workspace_slug(slug: str) -> str | None:
    if not 2 <= len(slug) <= 64:
        return "must be 2 to 64 characters long"
    if not _SLUG.match(slug):
        return "may contain only a-z, 0-9 and inner hyphens"
    return None
