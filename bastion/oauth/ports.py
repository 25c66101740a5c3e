"""The storage and lookup interfaces the engine needs, owned by the engine (the consumer).

The product implements them over its database and caches; tests can implement them in memory.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import datetime
from typing import Protocol

from bastion.domain.claims import Person
from bastion.oauth.grant_models import (
    AuthorizationCodeRecord,
    DeviceCodeRecord,
    LiveSession,
    RefreshTokenRecord,
    Rotation,
    SignIn,
)
from bastion.oauth.models import Client, IssuerContext, OpaqueTokenRecord


class ClientStore(Protocol):
    async def get_client(self, client_id: str) -> Client | None: ...


class IssuerLookup(Protocol):
    async def issuer_by_url(self, url: str) -> IssuerContext | None: ...


class TokenStore(Protocol):
    async def save_opaque(self, digest: bytes, record: OpaqueTokenRecord) -> None: ...

    async def find_opaque(self, digest: bytes) -> OpaqueTokenRecord | None: ...

    async def revoke_opaque(self, digest: bytes) -> None: ...

    async def revoke_jwt(
        self, jti: str, *, issuer_id: str, tenant: str | None, expires_at: datetime
    ) -> None: ...

    async def is_jwt_revoked(self, jti: str) -> bool: ...


class FailureLimiter(Protocol):
    """Counts failed credential checks; refuses keys that failed too often lately."""

    def retry_after(self, keys: Sequence[Hashable]) -> int | None: ...

    def record_failure(self, keys: Sequence[Hashable]) -> None: ...


class AuthorizationCodes(Protocol):
    """RFC 6749 §4.1.2 codes, kept by keyed hash; consumed at most once."""

    async def save_code(self, digest: bytes, record: AuthorizationCodeRecord) -> None: ...

    async def find_code(self, digest: bytes) -> AuthorizationCodeRecord | None: ...

    async def consume_code(self, digest: bytes, access_jti: str) -> bool:
        """Mark the code used (recording the access token it buys); False if it already was."""
        ...

    async def revoke_grant(self, grant_id: str) -> None:
        """Revoke every refresh token and deny-list every access token issued under a grant."""
        ...


class RefreshTokens(Protocol):
    async def save_refresh(
        self, digest: bytes, record: RefreshTokenRecord, rotation: Rotation | None = None
    ) -> bool:
        """Store a new refresh token, with ``rotation`` marking its parent rotated in the same
        transaction; False (nothing stored) when the rotation is exclusive and lost."""
        ...

    async def find_refresh(self, digest: bytes) -> RefreshTokenRecord | None:
        """The token with its sign-in session (``session``, when still live), read at once."""
        ...

    async def revoke_family(self, family_id: str) -> None: ...


class DeviceCodes(Protocol):
    async def save_device_code(self, digest: bytes, record: DeviceCodeRecord) -> bool:
        """Store a new device code; False when its user code is already taken."""
        ...

    async def find_device_code(self, digest: bytes) -> DeviceCodeRecord | None: ...

    async def record_poll(self, code_id: str, now: datetime, interval: int) -> None: ...

    async def consume_device_code(self, code_id: str) -> bool: ...

    async def approve_user_code(
        self, user_code: str, realm: str, sign_in: SignIn, now: datetime
    ) -> bool:
        """Approve the pending, unexpired code with this user code in this app."""
        ...


class Sessions(Protocol):
    async def live_session(self, session_id: str) -> LiveSession | None: ...


class People(Protocol):
    async def person(self, realm: str, subject: str) -> Person | None: ...
