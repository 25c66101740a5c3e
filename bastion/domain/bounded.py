"""Keeping a per-process memo (a dict whose insertion order is its age) within a bound."""

from __future__ import annotations

from typing import Any


def make_room(entries: dict[Any, Any], max_entries: int) -> None:
    """Before a new key goes in: when the memo is full, drop its oldest quarter in one go."""
    if len(entries) >= max_entries:
        for old in list(entries)[: max(1, max_entries // 4)]:
            del entries[old]
