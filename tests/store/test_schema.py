"""The schema on a real database: migrations match the models, tenant scoping, UTC times,
and the change feed that invalidates caches across nodes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from bastion.crypto.envelope import MasterKey
from bastion.crypto.keys import SigningAlg
from bastion.crypto.secrets import KeyedHasher
from bastion.domain.errors import Conflict, NotFound, ValidationFailed
from bastion.domain.tenancy import Tenant
from bastion.services.changes import ChangeFeed
from bastion.services.clients import ClientAdmin, ClientDirectory, ClientSpec
from bastion.services.keys import KeyService
from bastion.services.tenancy import create_app, ensure_workspace
from bastion.settings import Settings
from bastion.store import migrate
from bastion.store.db import Database
from bastion.store.repositories import clients as client_repo
from bastion.store.repositories.issuers import issuer_of_app
from bastion.store.schema import Base, RevokedJwt

KEY = MasterKey.generate()


async def fresh_db(new_database_url: Callable[[], str]) -> Database:
    url = Settings(database_url=new_database_url()).effective_database_url
    await migrate.upgrade_async(url)
    return Database(url)


async def test_migrations_produce_exactly_the_models(new_database_url: Callable[[], str]) -> None:
    db = await fresh_db(new_database_url)
    try:
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
        assert diff == []
        assert await migrate.current_revision(db) == migrate.head_revision()
    finally:
        await db.dispose()


async def test_queries_are_scoped_to_their_tenant(new_database_url: Callable[[], str]) -> None:
    db = await fresh_db(new_database_url)
    keys = KeyService(KEY.sealer("k"), retire_grace=timedelta(hours=1))
    admin = ClientAdmin(db, KeyedHasher(KEY.derive("p")))
    try:
        async with db.write() as session:
            ws_a = await ensure_workspace(session, "tenant-a", "A")
            ws_b = await ensure_workspace(session, "tenant-b", "B")
            app_a = await create_app(
                session, keys, ws_a, slug="app-a", name="A", signing_alg=SigningAlg.ES256
            )
            app_b = await create_app(
                session, keys, ws_b, slug="app-b", name="B", signing_alg=SigningAlg.ES256
            )
        tenant_a, tenant_b = Tenant(ws_a.id, app_a.id), Tenant(ws_b.id, app_b.id)
        info, _ = await admin.create(tenant_a, ClientSpec(name="a-client", scopes=("x",)))
        async with db.read() as session:
            assert await client_repo.client_in_tenant(session, tenant_a, info.client_id)
            assert await client_repo.client_in_tenant(session, tenant_b, info.client_id) is None
            assert await client_repo.clients_of(session, tenant_b) == []
        assert [c.client_id for c in await admin.list(tenant_a)] == [info.client_id]
        with pytest.raises(NotFound):
            await admin.rotate_secret(tenant_b, info.client_id)
        async with db.write() as session:
            with pytest.raises(Conflict):
                await create_app(
                    session, keys, ws_b, slug="app-a", name="dup", signing_alg=SigningAlg.ES256
                )
            with pytest.raises(ValidationFailed):
                await create_app(
                    session, keys, ws_b, slug="api", name="reserved", signing_alg=SigningAlg.ES256
                )
    finally:
        await db.dispose()


async def test_times_come_back_as_aware_utc(new_database_url: Callable[[], str]) -> None:
    db = await fresh_db(new_database_url)
    try:
        keys = KeyService(KEY.sealer("k"), retire_grace=timedelta(hours=1))
        async with db.write() as session:
            ws = await ensure_workspace(session, "times", "T")
            app = await create_app(
                session, keys, ws, slug="times-app", name="T", signing_alg=SigningAlg.ES256
            )
            issuer = await issuer_of_app(session, app.id)
            assert issuer is not None
            moment = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
            session.add(RevokedJwt(jti="j1", issuer_id=issuer.id, expires_at=moment))
        async with db.read() as session:
            row = await session.scalar(select(RevokedJwt).where(RevokedJwt.jti == "j1"))
        assert row is not None
        assert row.expires_at == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
        assert row.expires_at.tzinfo is not None
    finally:
        await db.dispose()


async def test_change_feed_invalidates_another_nodes_client_cache(
    new_database_url: Callable[[], str],
) -> None:
    db = await fresh_db(new_database_url)
    other_node_db = Database(db.url)
    keys = KeyService(KEY.sealer("k"), retire_grace=timedelta(hours=1))
    admin = ClientAdmin(db, KeyedHasher(KEY.derive("p")))
    cache = ClientDirectory(other_node_db, ttl=3600)
    feed = ChangeFeed(other_node_db, interval=3600)
    feed.subscribe("client", cache.invalidate)
    try:
        async with db.write() as session:
            ws = await ensure_workspace(session, "feed", "F")
            app = await create_app(
                session, keys, ws, slug="feed-app", name="F", signing_alg=SigningAlg.ES256
            )
        tenant = Tenant(ws.id, app.id)
        info, _ = await admin.create(tenant, ClientSpec(name="c", scopes=("x",)))
        await feed.poll_once()  # learns where the feed is
        cached = await cache.get_client(info.client_id)
        assert cached is not None and cached.active
        await admin.set_active(tenant, info.client_id, False)
        assert (await cache.get_client(info.client_id)).active  # type: ignore[union-attr]
        assert await feed.poll_once() >= 1
        refreshed = await cache.get_client(info.client_id)
        assert refreshed is not None and not refreshed.active
    finally:
        await other_node_db.dispose()
        await db.dispose()
