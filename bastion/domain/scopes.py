"""Scope strings (RFC 6749 §3.3): space-separated printable ASCII tokens, no quote or backslash."""

from __future__ import annotations

import re
from collections.abc import Iterable

_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")


class InvalidScope(ValueError):
    pass


def parse_scope(value: str | None) -> tuple[str, ...]:
    """Split a scope parameter into unique tokens, keeping their first order."""
    if value is None:
        return ()
    seen: dict[str, None] = {}
    for token in value.split(" "):
        if token == "":
            continue
        if not _SCOPE_TOKEN.match(token) or len(token) > 200:
            raise InvalidScope(f"malformed scope token {token[:40]!r}")
        seen.setdefault(token, None)
    if len(seen) > 100:
        raise InvalidScope("too many scope tokens")
    return tuple(seen)


def format_scope(scopes: Iterable[str]) -> str:
    return " ".join(scopes)
