"""PostgreSQL's hot-path connections (``bastion.store.postgres_direct``), run with --db postgresql:
point reads and short writes bypass the engine, a violated constraint is still the engine's
IntegrityError, and connections the server dropped cost nothing but a reconnect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bastion.container import Container
from bastion.store.repositories.tokens import DENY_LIST, IS_REVOKED
from bastion.store.schema import RevokedJwt
from tests.store.test_revocation_store import platform_issuer_id
from tests.support.statements import engine_statements


@pytest.fixture
def pg_container(container: Container) -> Container:
    if container.db.is_sqlite:
        pytest.skip("PostgreSQL only")
    return container


async def deny_row(container: Container, jti: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "jti": jti,
        "issuer_id": await platform_issuer_id(container),
        "workspace_id": None,
        "expires_at": now + timedelta(minutes=5),
        "revoked_at": now,
    }


async def test_hot_reads_and_writes_do_not_go_through_the_engine(pg_container: Container) -> None:
    db = pg_container.db
    rows = [await deny_row(pg_container, "direct-1"), await deny_row(pg_container, "direct-2")]
    statements = engine_statements(pg_container)
    await db.insert_new(DENY_LIST, rows)
    await db.insert_new(DENY_LIST, rows[:1])  # already there: left as it is
    assert await db.point_read(IS_REVOKED, {"jti": "direct-2"}) == (1,)
    assert await db.point_read(IS_REVOKED, {"jti": "absent"}) is None
    typed = await db.fetch_row(DENY_LIST, "jti", "direct-1")
    assert statements == []
    # Typed as the ORM types it: an aware datetime, equal to what was written.
    assert typed is not None and typed["expires_at"] == rows[0]["expires_at"]
    async with db.read() as session:
        row = await session.get(RevokedJwt, "direct-2")
    assert row is not None and row.expires_at == rows[1]["expires_at"]


async def test_a_violated_constraint_is_the_engines_integrity_error(
    pg_container: Container,
) -> None:
    row = await deny_row(pg_container, "twice")
    await pg_container.db.add(RevokedJwt(**row))
    with pytest.raises(IntegrityError):
        await pg_container.db.add(RevokedJwt(**row))
    # The failed transaction was rolled back and its connection is usable again.
    await pg_container.db.insert_new(DENY_LIST, [await deny_row(pg_container, "after")])
    assert await pg_container.db.point_read(IS_REVOKED, {"jti": "after"}) == (1,)


async def test_connections_the_server_dropped_are_replaced(pg_container: Container) -> None:
    db = pg_container.db
    await db.insert_new(DENY_LIST, [await deny_row(pg_container, "before")])
    assert await db.point_read(IS_REVOKED, {"jti": "before"}) == (1,)
    async with db.engine.connect() as conn:  # as a server restart or a proxy would
        dropped = await conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        assert dropped.scalar_one() >= 1
    # Each dead connection fails once and the engine answers; the pool then replaces it.
    for _ in range(3):
        assert await db.point_read(IS_REVOKED, {"jti": "before"}) == (1,)
    await db.insert_new(DENY_LIST, [await deny_row(pg_container, "after-drop")])
    statements = engine_statements(pg_container)
    assert await db.fetch_row(DENY_LIST, "jti", "after-drop") is not None
    assert await db.point_read(IS_REVOKED, {"jti": "after-drop"}) == (1,)
    assert statements == []  # back on the direct connections
