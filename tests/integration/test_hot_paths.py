"""The hot paths, in process: what a warm token, discovery or introspection request costs the
database, and that a revocation is seen at once by another node's revocation check."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from bastion.app import build_app
from bastion.container import Container
from bastion.settings import Settings
from tests.support.live import TEST_MASTER_KEY, run_cli
from tests.support.statements import engine_statements

PUBLIC_URL = "http://bastion.test"


@pytest.fixture
async def node(
    tmp_path: Path, new_database_url: Callable[[], str]
) -> AsyncIterator[tuple[Container, httpx.AsyncClient, dict[str, Any]]]:
    env = {
        "BASTION_DATA_DIR": str(tmp_path),
        "BASTION_DATABASE_URL": new_database_url(),
        "BASTION_PUBLIC_URL": PUBLIC_URL,
        "BASTION_MASTER_KEY": TEST_MASTER_KEY,
        "BASTION_INVALIDATION_POLL_INTERVAL": "60",
    }
    run_cli(env, "migrate")
    boot = json.loads(run_cli(env, "bootstrap", "--json").stdout)
    settings = Settings.from_env(env)
    container = Container.build(settings)
    app = build_app(container)
    await container.changes.start()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        yield container, client, boot
    await container.close()


def count_direct_postgres_reads(container: Container) -> list[str]:
    seen: list[str] = []
    direct = container.db._pg
    if direct is None:
        return seen
    read_one = direct.read_one

    async def record(sql: str, args: Any) -> Any:
        seen.append(sql)
        return await read_one(sql, args)

    direct.read_one = record  # type: ignore[method-assign]
    return seen


async def test_warm_token_discovery_and_jwks_requests_touch_no_database(
    node: tuple[Container, httpx.AsyncClient, dict[str, Any]],
) -> None:
    container, client, boot = node
    auth = (boot["m2m_client_id"], boot["m2m_client_secret"])
    form = {"grant_type": "client_credentials"}
    assert (await client.post("/demo/token", data=form, auth=auth)).status_code == 200  # warm
    statements = engine_statements(container)
    for _ in range(3):
        assert (await client.post("/demo/token", data=form, auth=auth)).status_code == 200
        assert (await client.get("/demo/.well-known/openid-configuration")).status_code == 200
        assert (await client.get("/demo/jwks")).status_code == 200
    assert statements == []  # no read, and no write to issue a JWT


async def test_introspection_is_one_indexed_read_and_sees_another_nodes_revocation(
    node: tuple[Container, httpx.AsyncClient, dict[str, Any]],
) -> None:
    container, client, boot = node
    auth = (boot["m2m_client_id"], boot["m2m_client_secret"])
    token = (
        await client.post("/demo/token", data={"grant_type": "client_credentials"}, auth=auth)
    ).json()["access_token"]
    first = await client.post("/demo/token/introspection", data={"token": token}, auth=auth)
    assert first.json()["active"] is True
    statements = engine_statements(container)
    direct_reads = count_direct_postgres_reads(container)
    again = await client.post("/demo/token/introspection", data={"token": token}, auth=auth)
    assert again.json()["active"] is True
    # The revocation check ran on a connection of its own, not through the engine: inline on
    # SQLite's read-only connection, or as one statement over asyncpg on PostgreSQL.
    assert statements == []
    if not container.db.is_sqlite:
        assert [s.split()[0] for s in direct_reads] == ["SELECT"]
    # Another node (its own container on the same database) revokes the token...
    other = Container.build(container.settings)
    try:
        other_app = build_app(other)
        transport = httpx.ASGITransport(app=other_app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as other_client:
            revoked = await other_client.post(
                "/demo/token/revocation", data={"token": token}, auth=auth
            )
            assert revoked.status_code == 200
    finally:
        await other.close()
    # ...and this node answers inactive at once, with no change event or cache in between.
    after = await client.post("/demo/token/introspection", data={"token": token}, auth=auth)
    assert after.json() == {"active": False}


async def test_point_reads_see_commits_of_other_connections(
    node: tuple[Container, httpx.AsyncClient, dict[str, Any]],
) -> None:
    container, _client, _boot = node
    sql = "SELECT topic FROM change_events WHERE ref = :ref"
    assert await container.db.point_read(sql, {"ref": "point-read-test"}) is None
    async with container.db.write() as session:
        from bastion.store.repositories import events

        events.append_change(session, "test", "point-read-test")
    await asyncio.sleep(0)
    assert await container.db.point_read(sql, {"ref": "point-read-test"}) == ("test",)
