"""Grants: what to send to the token endpoint, as plain values with no I/O.

A grant turns into form parameters (`token_params`) and may learn from the token it
produced (`update`): `RefreshToken` keeps the newest refresh token, because Bastion
rotates refresh tokens and replaying an old one revokes the whole family.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ._models import Token

GRANT_TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
GRANT_DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
TOKEN_TYPE_ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
TOKEN_TYPE_REFRESH_TOKEN = "urn:ietf:params:oauth:token-type:refresh_token"
TOKEN_TYPE_ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
TOKEN_TYPE_JWT = "urn:ietf:params:oauth:token-type:jwt"

Params = list[tuple[str, str]]
Scope = str | Sequence[str] | None


class Grant(Protocol):
    """Anything that can ask the token endpoint for a token."""

    def token_params(self) -> Params:
        """The form parameters of the token request, `grant_type` first."""
        ...

    def update(self, token: Token) -> None:
        """Learn from the token this grant just produced."""
        ...


def scope_value(scope: Scope) -> str | None:
    """`scope` as the space-separated string of RFC 6749 §3.3."""
    if scope is None:
        return None
    if isinstance(scope, str):
        return scope or None
    return " ".join(scope) or None


def _extend(params: Params, name: str, value: str | Sequence[str] | None) -> None:
    if value is None:
        return
    if isinstance(value, str):
        params.append((name, value))
    else:
        params.extend((name, v) for v in value)


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """RFC 6749 §4.4: a token for the client itself."""

    scope: Scope = None
    resource: str | Sequence[str] | None = None
    audience: str | Sequence[str] | None = None

    def token_params(self) -> Params:
        params: Params = [("grant_type", "client_credentials")]
        _extend(params, "scope", scope_value(self.scope))
        _extend(params, "resource", self.resource)
        _extend(params, "audience", self.audience)
        return params

    def update(self, token: Token) -> None:
        return None


class RefreshToken:
    """RFC 6749 §6: a new access token from a refresh token, following rotation.

    Each successful use stores the refresh token the server returned, so the next use
    presents the newest one. Share one instance (through a TokenSource) rather than
    copying the string around.
    """

    __slots__ = ("refresh_token", "scope")

    def __init__(self, refresh_token: str, *, scope: Scope = None) -> None:
        if not refresh_token:
            raise ValueError("refresh_token is empty")
        self.refresh_token = refresh_token
        self.scope = scope

    def __repr__(self) -> str:
        return f"RefreshToken(scope={scope_value(self.scope)!r})"

    def token_params(self) -> Params:
        params: Params = [("grant_type", "refresh_token"), ("refresh_token", self.refresh_token)]
        _extend(params, "scope", scope_value(self.scope))
        return params

    def update(self, token: Token) -> None:
        if token.refresh_token:
            self.refresh_token = token.refresh_token


@dataclass(frozen=True, slots=True)
class AuthorizationCode:
    """RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5)."""

    code: str
    redirect_uri: str
    code_verifier: str

    def __repr__(self) -> str:
        return f"AuthorizationCode(redirect_uri={self.redirect_uri!r})"

    def token_params(self) -> Params:
        return [
            ("grant_type", "authorization_code"),
            ("code", self.code),
            ("redirect_uri", self.redirect_uri),
            ("code_verifier", self.code_verifier),
        ]

    def update(self, token: Token) -> None:
        return None


@dataclass(frozen=True, slots=True)
class TokenExchange:
    """RFC 8693 §2.1: trade a subject token (and optionally an actor token) for another."""

    subject_token: str
    subject_token_type: str = TOKEN_TYPE_ACCESS_TOKEN
    actor_token: str | None = None
    actor_token_type: str | None = None
    requested_token_type: str | None = None
    audience: str | Sequence[str] | None = None
    resource: str | Sequence[str] | None = None
    scope: Scope = None

    def __repr__(self) -> str:
        return (
            f"TokenExchange(subject_token_type={self.subject_token_type!r}, "
            f"audience={self.audience!r}, scope={scope_value(self.scope)!r})"
        )

    def token_params(self) -> Params:
        if (self.actor_token is None) != (self.actor_token_type is None):
            raise ValueError("actor_token and actor_token_type go together (RFC 8693 §2.1)")
        params: Params = [
            ("grant_type", GRANT_TOKEN_EXCHANGE),
            ("subject_token", self.subject_token),
            ("subject_token_type", self.subject_token_type),
        ]
        _extend(params, "actor_token", self.actor_token)
        _extend(params, "actor_token_type", self.actor_token_type)
        _extend(params, "requested_token_type", self.requested_token_type)
        _extend(params, "audience", self.audience)
        _extend(params, "resource", self.resource)
        _extend(params, "scope", scope_value(self.scope))
        return params

    def update(self, token: Token) -> None:
        return None


@dataclass(frozen=True, slots=True)
class DeviceCode:
    """RFC 8628 §3.4: poll for the token of an approved device authorization."""

    device_code: str

    def __repr__(self) -> str:
        return "DeviceCode()"

    def token_params(self) -> Params:
        return [("grant_type", GRANT_DEVICE_CODE), ("device_code", self.device_code)]

    def update(self, token: Token) -> None:
        return None
