"""Opaque tokens and the JWT deny-list: the engine's :class:`~bastion.oauth.ports.TokenStore`.

Lookups are by keyed hash (a unique index), which is unguessable; the engine then checks that
the record belongs to the caller's issuer and app. The deny-list is read by its primary key on
every check and written by group commit: revocations that arrive together share one
transaction, and each returns only once its row is committed, so every node's next check sees
it.

Each process also remembers the jtis it has itself deny-listed (:class:`KnownRevoked`). A
revocation is never undone, so "revoked" is a fact that cannot go stale before the token
expires: a remembered jti answers a check, or a second revocation, with no read and no write.
Nothing is remembered as *not* revoked, so a revocation made on another node still counts at
once.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, select, update

from bastion.domain.bounded import make_room
from bastion.domain.ids import new_id
from bastion.oauth.models import OpaqueTokenRecord
from bastion.store.db import Database
from bastion.store.group_commit import GroupCommit
from bastion.store.schema import OpaqueToken, RevokedJwt
from bastion.store.types import utcnow

DENY_LIST = cast(Table, RevokedJwt.__table__)
IS_REVOKED = "SELECT 1 FROM revoked_jwts WHERE jti = :jti"
KNOWN_REVOKED_MAX = 16384


class KnownRevoked:
    """The jtis this process has deny-listed, each until its token expires; bounded, the
    oldest going first when full (a forgotten jti is only read again, never wrongly let in)."""

    def __init__(self, max_entries: int = KNOWN_REVOKED_MAX) -> None:
        self.max_entries = max_entries
        self._until: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._until)

    def __contains__(self, jti: str) -> bool:
        until = self._until.get(jti)
        if until is None:
            return False
        if until <= time.time():
            del self._until[jti]  # expired: the deny-list row may be pruned; ask it again
            return False
        return True

    def add(self, jti: str, expires_at: datetime) -> None:
        if jti not in self._until:
            make_room(self._until, self.max_entries)
        self._until[jti] = expires_at.timestamp()


class SqlTokenStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._revocations: GroupCommit[dict[str, Any], None] = GroupCommit(self._deny)
        self.known_revoked = KnownRevoked()

    async def save_opaque(self, digest: bytes, record: OpaqueTokenRecord) -> None:
        await self.db.add(
            OpaqueToken(
                id=new_id(),
                digest=digest,
                kind=record.kind,
                workspace_id=record.tenant,
                app_id=record.realm,
                issuer_id=record.issuer_id,
                client_id=record.client_id,
                subject=record.subject,
                scope=record.scope,
                audiences=list(record.audiences),
                claims=dict(record.claims),
                expires_at=record.expires_at,
            )
        )

    async def find_opaque(self, digest: bytes) -> OpaqueTokenRecord | None:
        async with self.db.read() as session:
            row = await session.scalar(select(OpaqueToken).where(OpaqueToken.digest == digest))
        if row is None:
            return None
        return OpaqueTokenRecord(
            kind=row.kind,
            issuer_id=row.issuer_id,
            realm=row.app_id,
            tenant=row.workspace_id,
            client_id=row.client_id,
            subject=row.subject,
            scope=row.scope,
            audiences=tuple(row.audiences),
            expires_at=row.expires_at,
            claims=row.claims,
            revoked=row.revoked_at is not None,
        )

    async def revoke_opaque(self, digest: bytes) -> None:
        async with self.db.write() as session:
            await session.execute(
                update(OpaqueToken)
                .where(OpaqueToken.digest == digest, OpaqueToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )

    async def revoke_jwt(
        self, jti: str, *, issuer_id: str, tenant: str | None, expires_at: datetime
    ) -> None:
        """Deny-list a JWT; returns once committed, so every node's next check sees it.
        Concurrent revocations share one transaction (see ``group_commit``); a jti this
        process has already deny-listed costs nothing, one listed elsewhere is left as it is."""
        if jti in self.known_revoked:
            return
        row = {
            "jti": jti,
            "issuer_id": issuer_id,
            "workspace_id": tenant,
            "expires_at": expires_at,
            "revoked_at": utcnow(),
        }
        await self._revocations.write(row)
        self.known_revoked.add(jti, expires_at)

    async def _deny(self, rows: list[dict[str, Any]]) -> list[None]:
        # A jti already listed (revoked twice at once) is left as it is.
        await self.db.insert_new(DENY_LIST, rows)
        return [None] * len(rows)

    async def is_jwt_revoked(self, jti: str) -> bool:
        """An indexed read on every check that this process's own revocations do not answer,
        so a revocation on any node counts at once."""
        if jti in self.known_revoked:
            return True
        return await self.db.point_read(IS_REVOKED, {"jti": jti}) is not None

    async def prune(self, now: datetime) -> None:
        async with self.db.write() as session:
            await session.execute(delete(RevokedJwt).where(RevokedJwt.expires_at < now))
            await session.execute(delete(OpaqueToken).where(OpaqueToken.expires_at < now))
