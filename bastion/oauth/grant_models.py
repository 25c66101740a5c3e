"""Values the interactive grants store and exchange: authorization codes, refresh tokens,
device codes, and the sign-in a grant stands for. Plain data; the ports in
:mod:`bastion.oauth.ports` say how they are kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class SignIn:
    """Who approved a grant, and how: the session the grant is bound to."""

    subject: str
    session_id: str | None
    auth_time: datetime
    amr: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AuthorizationCodeRecord:
    issuer_id: str
    realm: str
    tenant: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    sign_in: SignIn
    grant_id: str
    expires_at: datetime
    consumed: bool = False


@dataclass(frozen=True, slots=True)
class RefreshTokenRecord:
    id: str
    issuer_id: str
    realm: str
    tenant: str
    client_id: str
    subject: str
    scope: str
    session_id: str | None
    family_id: str
    grant_id: str | None
    expires_at: datetime
    rotated_at: datetime | None = None
    revoked: bool = False
    parent_id: str | None = None
    access_jti: str | None = None
    # The sign-in session the token is bound to, read with it: None when it has ended (or the
    # record is being saved, not read).
    session: LiveSession | None = None


@dataclass(frozen=True, slots=True)
class Rotation:
    """A refresh token's parent being marked rotated (at ``at``) in the transaction that saves
    it. ``exclusive``: when the parent was rotated already, the new token is not saved."""

    at: datetime
    exclusive: bool


@dataclass(frozen=True, slots=True)
class DeviceCodeRecord:
    id: str
    issuer_id: str
    realm: str
    tenant: str
    client_id: str
    user_code: str
    scope: str
    status: str  # "pending", "approved", "denied"
    interval: int
    expires_at: datetime
    subject: str | None = None
    session_id: str | None = None
    last_polled_at: datetime | None = None
    consumed: bool = False


@dataclass(frozen=True, slots=True)
class LiveSession:
    id: str
    subject: str
    realm: str
    auth_time: datetime
    amr: tuple[str, ...]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """What the token endpoint returns for an end-user grant, before wire shaping."""

    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None
    id_token: str | None
    extra: dict[str, Any]
