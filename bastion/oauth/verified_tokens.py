"""A per-process memo of access tokens whose signature and claims this node has checked.

Resource servers introspect the same token again and again until it expires (RFC 7662 §4
expects them to). Checking an RS256 signature and parsing the claims is most of what such a
request costs, and the answer cannot change while the token text and the issuer's key set stay
the same. So the memo maps the exact token text to the claims verified under one key set.

A hit skips only the signature check and the parse. Everything that can change is checked on
every call: the expiry against the clock, and (by the caller) the revocation deny-list, by an
indexed read, so a revocation on any node still counts at once. An entry is used only with the
very key-set object it was verified under: a key rotation or a change event from another node
builds a new key set, and every entry made under the old one misses from then on. The memo is
bounded; when full, the oldest entries go first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bastion.domain.bounded import make_room
from bastion.oauth.models import IssuerContext, KeySet

DEFAULT_MAX_ENTRIES = 4096


@dataclass(frozen=True, slots=True)
class _Entry:
    keys: KeySet
    issuer: str
    expires_at: float
    claims: Mapping[str, Any]


class VerifiedTokens:
    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str, ctx: IssuerContext, now: float) -> dict[str, Any] | None:
        """A copy of the claims verified earlier for this exact token under the issuer's
        current key set, while unexpired; None otherwise (verify it in full)."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        if entry.expires_at <= now:
            del self._entries[token]
            return None
        if entry.keys is not ctx.keys or entry.issuer != ctx.url:
            return None
        return dict(entry.claims)

    def put(self, token: str, ctx: IssuerContext, claims: Mapping[str, Any]) -> None:
        """Remember claims that passed the full check (signature, typ, issuer, expiry)."""
        exp = claims.get("exp")
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            return
        if token not in self._entries:
            make_room(self._entries, self.max_entries)
        self._entries[token] = _Entry(ctx.keys, ctx.url, float(exp), dict(claims))

    def clear(self) -> None:
        self._entries.clear()
