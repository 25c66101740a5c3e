"""The JWT deny-list on a real database (SQLite, and PostgreSQL with --db postgresql):
revocations made together share transactions, duplicates are harmless, and every revocation
is readable by the indexed check (and by the ORM) once revoke_jwt returns."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bastion.container import Container
from bastion.store.repositories.tokens import DENY_LIST
from bastion.store.schema import Issuer, RevokedJwt


async def platform_issuer_id(container: Container) -> str:
    async with container.db.read() as session:
        found = await session.scalar(select(Issuer.id).limit(1))
    assert found is not None
    return found


async def test_concurrent_revocations_are_all_committed_and_seen(container: Container) -> None:
    issuer_id = await platform_issuer_id(container)
    expires = datetime.now(UTC) + timedelta(minutes=5)
    jtis = [f"jti-{n}" for n in range(40)]

    await asyncio.gather(
        *(
            container.tokens.revoke_jwt(j, issuer_id=issuer_id, tenant=None, expires_at=expires)
            for j in jtis + jtis[:5]  # five of them twice, at the same time
        )
    )
    for jti in jtis:
        assert await container.tokens.is_jwt_revoked(jti), jti
    assert not await container.tokens.is_jwt_revoked("never-revoked")
    async with container.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(RevokedJwt)) == 40
        row = await session.get(RevokedJwt, "jti-7")
    assert row is not None and row.issuer_id == issuer_id
    assert abs((row.expires_at - expires).total_seconds()) < 1e-3  # stored as the ORM stores it


async def test_insert_new_keeps_existing_rows(container: Container) -> None:
    issuer_id = await platform_issuer_id(container)
    now = datetime.now(UTC)
    row: dict[str, Any] = {
        "jti": "same",
        "issuer_id": issuer_id,
        "workspace_id": None,
        "expires_at": now + timedelta(minutes=1),
        "revoked_at": now,
    }
    await container.db.insert_new(DENY_LIST, [row])
    later = {**row, "expires_at": now + timedelta(hours=1)}
    await container.db.insert_new(DENY_LIST, [later, {**later, "jti": "other"}])
    await container.db.insert_new(DENY_LIST, [])
    async with container.db.read() as session:
        kept = await session.get(RevokedJwt, "same")
        other = await session.get(RevokedJwt, "other")
    assert kept is not None and other is not None
    assert abs((kept.expires_at - row["expires_at"]).total_seconds()) < 1e-3  # first one kept
    # Expired entries are pruned as before.
    await container.tokens.prune(now + timedelta(minutes=2))
    assert not await container.tokens.is_jwt_revoked("same")
    assert await container.tokens.is_jwt_revoked("other")
