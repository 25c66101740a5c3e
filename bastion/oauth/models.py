"""What the engine knows about the world: clients, issuers and their keys, issued tokens.

These are plain values handed to the engine by the product around it; the engine never learns
about workspaces or tables. ``realm`` is the app a client or issuer belongs to and ``tenant``
its workspace; both are opaque strings here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bastion.crypto.jwt import SigningKey, VerificationKey


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    realm: str
    tenant: str
    confidential: bool
    secret_digest: bytes | None
    grant_types: frozenset[str]
    scopes: tuple[str, ...]
    default_scopes: tuple[str, ...]
    audiences: frozenset[str] = frozenset()
    redirect_uris: tuple[str, ...] = ()
    require_pkce: bool = True
    active: bool = True


@dataclass(frozen=True, slots=True)
class KeySet:
    signing_key: SigningKey
    verification_keys: Mapping[str, VerificationKey]
    jwks: bytes  # the serialised JWK Set, ready to send


@dataclass(frozen=True, slots=True)
class OpaqueExchange:
    """Token exchange without a resource indicator issues an opaque session token.

    The builder contract calls these remote-signer sessions: ``pmth_…``, 90 days, announced
    with their own ``issued_token_type``. Enabled per issuer by configuration.
    """

    trigger_scope: str
    token_type: str
    kind: str
    prefix: str
    ttl: int


@dataclass(frozen=True, slots=True)
class IssuerContext:
    id: str
    url: str
    realm: str | None  # the app; None for the shared platform issuer
    tenant: str | None
    default_audience: str
    keys: KeySet
    access_token_ttl: int
    grant_types: frozenset[str]
    opaque_exchange: OpaqueExchange | None = None

    def accepts(self, client: Client) -> bool:
        """An app issuer serves only its own app's clients; the platform issuer serves all."""
        return self.realm is None or client.realm == self.realm


@dataclass(frozen=True, slots=True)
class OpaqueTokenRecord:
    kind: str
    issuer_id: str
    realm: str
    tenant: str
    client_id: str
    subject: str
    scope: str
    audiences: tuple[str, ...]
    expires_at: datetime
    claims: Mapping[str, Any] = field(default_factory=dict)
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """Client authentication as parsed from the request (RFC 6749 §2.3)."""

    client_id: str | None
    client_secret: str | None
    method: str  # "client_secret_basic", "client_secret_post" or "none"


@dataclass(frozen=True, slots=True)
class TokenResponse:
    access_token: str
    expires_in: int
    token_type: str = "Bearer"
    scope: str | None = None
    issued_token_type: str | None = None
    refresh_token: str | None = None
    id_token: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
        }
        for key in ("scope", "issued_token_type", "refresh_token", "id_token"):
            value = getattr(self, key)
            if value is not None:
                body[key] = value
        body.update(self.extra)
        return body
