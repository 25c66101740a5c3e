"""Sign-in services on a real database (SQLite, and PostgreSQL with --db postgresql):
argon2id re-hashing, single use of codes under concurrency, atomic refresh rotation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bastion.container import Container
from bastion.domain.ids import new_id
from bastion.oauth.grant_models import (
    AuthorizationCodeRecord,
    RefreshTokenRecord,
    Rotation,
    SignIn,
)
from bastion.services.tenancy import get_app
from bastion.settings import Settings
from bastion.store import migrate
from bastion.store.schema import EndUser
from tests.support.live import TEST_MASTER_KEY

PASSWORD = "a password for the store tests"


def settings(url: str, data_dir: Path, **extra: object) -> Settings:
    return Settings.model_validate(
        {"database_url": url, "data_dir": data_dir, "master_key": TEST_MASTER_KEY, **extra}
    )


@pytest.fixture
async def base(
    new_database_url: Callable[[], str], tmp_path: Path
) -> AsyncIterator[tuple[Settings, Container]]:
    config = settings(new_database_url(), tmp_path)
    await migrate.upgrade_async(config.effective_database_url)
    container = Container.build(config, pool_size=2)
    await container.bootstrap()
    yield config, container
    await container.close()


async def stored_hash(container: Container, user_id: str) -> str:
    async with container.db.read() as session:
        value = await session.scalar(select(EndUser.password_hash).where(EndUser.id == user_id))
    assert value is not None
    return value


async def test_password_is_rehashed_when_parameters_change(
    base: tuple[Settings, Container],
) -> None:
    config, container = base
    app = await container.users.app(await demo_app_id(container))
    user_id = await container.users.ensure_user(
        app, email="rehash@example.com", username="rehash", password=PASSWORD, name="R"
    )
    before = await stored_hash(container, user_id)
    assert before.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    stronger = Container.build(
        config.model_copy(update={"argon2_memory_kib": 24576, "argon2_time_cost": 3}), pool_size=2
    )
    try:
        user = await stronger.users.sign_in(app, "rehash", PASSWORD, "127.0.0.1")
        assert user.id == user_id
        after = await stored_hash(stronger, user_id)
        assert after.startswith("$argon2id$v=19$m=24576,t=3,p=1$")
        # The old parameters still verify the new hash; nothing changes on the next sign-in.
        await container.users.sign_in(app, "rehash", PASSWORD, "127.0.0.1")
    finally:
        await stronger.close()


def test_argon2_settings_refuse_values_below_the_owasp_minimum(tmp_path: Path) -> None:
    for field, value in (("argon2_memory_kib", 19455), ("argon2_time_cost", 1)):
        with pytest.raises(ValueError, match=field):
            settings("sqlite:///x.db", tmp_path, **{field: value})


async def demo_app_id(container: Container) -> str:
    return (await get_app(container.db, "demo")).id


async def test_a_code_is_consumed_once_under_concurrency(base: tuple[Settings, Container]) -> None:
    _, container = base
    app = await container.users.app(await demo_app_id(container))
    issuer = await container.issuers.for_app_slug("demo")
    assert issuer is not None
    now = datetime.now(UTC)
    record = AuthorizationCodeRecord(
        issuer_id=issuer.id,
        realm=app.id,
        tenant=app.workspace_id,
        client_id="app_x",
        redirect_uri="https://rp.example/cb",
        scope="openid",
        nonce=None,
        code_challenge=None,
        code_challenge_method=None,
        sign_in=SignIn("user", None, now, ("pwd",)),
        grant_id=new_id(),
        expires_at=now + timedelta(seconds=60),
    )
    digest = container.hasher.digest("bas_ac_concurrency")
    store = container.engine.ports.codes
    await store.save_code(digest, record)
    results = await asyncio.gather(*(store.consume_code(digest, f"jti-{n}") for n in range(8)))
    assert sorted(results) == [False] * 7 + [True]
    found = await store.find_code(digest)
    assert found is not None and found.consumed


async def test_refresh_rotation_has_one_winner(base: tuple[Settings, Container]) -> None:
    _, container = base
    app = await container.users.app(await demo_app_id(container))
    issuer = await container.issuers.for_app_slug("demo")
    assert issuer is not None
    token_id = new_id()
    store = container.engine.ports.refresh_tokens
    parent = RefreshTokenRecord(
        id=token_id,
        issuer_id=issuer.id,
        realm=app.id,
        tenant=app.workspace_id,
        client_id="app_x",
        subject="user",
        scope="openid",
        session_id=None,
        family_id=token_id,
        grant_id=None,
        expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    await store.save_refresh(container.hasher.digest("bas_rt_rotation"), parent)
    # Eight requests race to rotate the parent, each saving its own successor with it.
    rotation = Rotation(at=datetime.now(UTC), exclusive=True)
    successors = [replace(parent, id=new_id(), parent_id=token_id) for _ in range(8)]
    results = await asyncio.gather(
        *(
            store.save_refresh(container.hasher.digest(f"bas_rt_next_{n}"), child, rotation)
            for n, child in enumerate(successors)
        )
    )
    assert sorted(results) == [False] * 7 + [True]
    await store.revoke_family(token_id)
    found = await store.find_refresh(container.hasher.digest("bas_rt_rotation"))
    assert found is not None and found.revoked and found.rotated_at is not None
