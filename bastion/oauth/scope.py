"""Scope negotiation (RFC 6749 §3.3): a request may narrow, never widen, what is allowed."""

from __future__ import annotations

from collections.abc import Iterable

from bastion.domain.scopes import InvalidScope as MalformedScope
from bastion.domain.scopes import format_scope, parse_scope
from bastion.oauth.errors import InvalidScope


def grant_scope(requested: str | None, allowed: Iterable[str], default: Iterable[str]) -> str:
    """The scope to grant: the requested scopes if all are allowed, else ``invalid_scope``."""
    try:
        wanted = parse_scope(requested)
    except MalformedScope as exc:
        raise InvalidScope(str(exc)) from None
    if not wanted:
        return format_scope(default)
    allowed_set = set(allowed)
    refused = [s for s in wanted if s not in allowed_set]
    if refused:
        raise InvalidScope(f"scope not allowed: {' '.join(refused)[:200]}")
    return format_scope(wanted)
