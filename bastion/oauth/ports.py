"""The storage and lookup interfaces the engine needs, owned by the engine (the consumer).

The product implements them over its database and caches; tests can implement them in memory.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import datetime
from typing import Protocol

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
