"""The JWT deny-list on a real database (SQLite, and PostgreSQL with --db postgresql):
revocations made together share transactions, duplicates are harmless, and every revocation
is readable by the indexed check (and by the ORM) once revoke_jwt returns."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bastion.container import Container
from bastion.store.repositories.tokens import DENY_LIST, KnownRevoked, SqlTokenStore
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


async def test_own_revocations_are_answered_without_a_read_others_are_read(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    issuer_id = await platform_issuer_id(container)
    expires = datetime.now(UTC) + timedelta(minutes=5)
    reads: list[str] = []
    point_read = container.db.point_read

    async def counted(sql: str, params: dict[str, Any]) -> Any:
        reads.append(sql)
        return await point_read(sql, params)

    monkeypatch.setattr(container.db, "point_read", counted)
    # Another node (another process on the same database) and this one, both asked first.
    elsewhere = SqlTokenStore(container.db)
    assert not await container.tokens.is_jwt_revoked("theirs")
    assert not await container.tokens.is_jwt_revoked("ours")
    await elsewhere.revoke_jwt("theirs", issuer_id=issuer_id, tenant=None, expires_at=expires)
    await container.tokens.revoke_jwt("ours", issuer_id=issuer_id, tenant=None, expires_at=expires)
    reads.clear()

    assert await container.tokens.is_jwt_revoked("ours")
    assert reads == []  # remembered: no read
    assert await container.tokens.is_jwt_revoked("theirs")  # "not revoked" was not remembered
    assert len(reads) == 1
    # Revoking again here is free; revoking there what is listed here keeps the first row.
    await container.tokens.revoke_jwt("ours", issuer_id=issuer_id, tenant=None, expires_at=expires)
    later = expires + timedelta(hours=1)
    await elsewhere.revoke_jwt("ours", issuer_id=issuer_id, tenant=None, expires_at=later)
    async with container.db.read() as session:
        row = await session.get(RevokedJwt, "ours")
        count = await session.scalar(select(func.count()).select_from(RevokedJwt))
    assert row is not None and abs((row.expires_at - expires).total_seconds()) < 1e-3
    assert count == 2


async def test_a_remembered_revocation_is_forgotten_when_its_token_expires(
    container: Container,
) -> None:
    issuer_id = await platform_issuer_id(container)
    now = datetime.now(UTC)
    await container.tokens.revoke_jwt(
        "short", issuer_id=issuer_id, tenant=None, expires_at=now + timedelta(seconds=1)
    )
    assert "short" in container.tokens.known_revoked
    await container.tokens.prune(now + timedelta(seconds=2))
    await asyncio.sleep(1.1)
    assert not await container.tokens.is_jwt_revoked("short")  # read again: pruned
    assert "short" not in container.tokens.known_revoked


def test_known_revoked_is_bounded_oldest_first() -> None:
    later = datetime.now(UTC) + timedelta(minutes=5)
    known = KnownRevoked(max_entries=8)
    for n in range(8):
        known.add(f"j{n}", later)
    known.add("j8", later)
    assert len(known) == 7  # the oldest quarter (2) went, then j8 came in
    assert "j0" not in known and "j1" not in known
    assert all(f"j{n}" in known for n in range(2, 9))
