"""OpenID Connect standard claims of an end user, released by scope (OIDC Core §5.1, §5.4)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "profile": ("name", "preferred_username", "updated_at"),
    "email": ("email", "email_verified"),
}
SUPPORTED_SCOPES = ("openid", "profile", "email", "offline_access")
SUPPORTED_CLAIMS = (
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "amr",
    "at_hash",
    "sid",
    "azp",
    *SCOPE_CLAIMS["profile"],
    *SCOPE_CLAIMS["email"],
)


@dataclass(frozen=True, slots=True)
class Person:
    """What the claims are made from."""

    subject: str
    email: str | None
    email_verified: bool
    username: str | None
    display_name: str | None
    updated_at: datetime

    def all_claims(self) -> dict[str, Any]:
        return {
            "name": self.display_name,
            "preferred_username": self.username,
            "updated_at": int(self.updated_at.timestamp()),
            "email": self.email,
            "email_verified": self.email_verified if self.email else None,
        }


def claims_for_scopes(person: Person, scopes: Iterable[str]) -> dict[str, Any]:
    """``sub`` plus the claims the granted scopes release, leaving out empty ones."""
    everything = person.all_claims()
    released: dict[str, Any] = {"sub": person.subject}
    for scope in scopes:
        for name in SCOPE_CLAIMS.get(scope, ()):
            if everything.get(name) is not None:
                released[name] = everything[name]
    return released
