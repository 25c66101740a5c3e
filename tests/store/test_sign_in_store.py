"""Sign-in services on a real database (SQLite, and PostgreSQL with --db postgresql):
argon2id re-hashing, single use of codes under concurrency, atomic refresh rotation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bastion.container import Container
from bastion.domain.ids import new_id
from bastion.domain.tenancy import Tenant
from bastion.oauth.grant_models import (
    AuthorizationCodeRecord,
    RefreshTokenRecord,
    Rotation,
    SignIn,
)
from bastion.services.end_users import AppRealm
from bastion.services.tenancy import get_app
from bastion.settings import Settings
from bastion.store import migrate
from bastion.store.db import StatementGroup
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


async def demo_user(container: Container, name: str) -> tuple[AppRealm, str]:
    """The demo app and a new end user of it, signed up with PASSWORD."""
    app = await container.users.app(await demo_app_id(container))
    user_id = await container.users.ensure_user(
        app, email=f"{name}@example.com", username=name, password=PASSWORD, name=name.title()
    )
    return app, user_id


async def test_password_is_rehashed_when_parameters_change(
    base: tuple[Settings, Container],
) -> None:
    config, container = base
    app, user_id = await demo_user(container, "rehash")
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


async def first_refresh_token(container: Container) -> RefreshTokenRecord:
    """A refresh token of the demo app, the first of its family, not saved yet."""
    app = await container.users.app(await demo_app_id(container))
    issuer = await container.issuers.for_app_slug("demo")
    assert issuer is not None
    token_id = new_id()
    return RefreshTokenRecord(
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


def successor(parent: RefreshTokenRecord) -> RefreshTokenRecord:
    """The token a rotation of ``parent`` saves, of the same family."""
    return replace(parent, id=new_id(), parent_id=parent.id)


async def test_refresh_rotation_has_one_winner(base: tuple[Settings, Container]) -> None:
    _, container = base
    store = container.engine.ports.refresh_tokens
    parent = await first_refresh_token(container)
    token_id = parent.id
    await store.save_refresh(container.hasher.digest("bas_rt_rotation"), parent)
    # Eight requests race to rotate the parent, each saving its own successor with it.
    rotation = Rotation(at=datetime.now(UTC), exclusive=True)
    successors = [successor(parent) for _ in range(8)]
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


async def saved_parents(container: Container, count: int) -> list[RefreshTokenRecord]:
    parents = [await first_refresh_token(container) for _ in range(count)]
    for n, parent in enumerate(parents):
        await container.engine.ports.refresh_tokens.save_refresh(
            container.hasher.digest(f"bas_rt_parent_{n}"), parent
        )
    return parents


def transactions_of(container: Container, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """For each write transaction from now on, the parents its groups rotate, in order."""
    transactions: list[list[str]] = []
    execute_groups = container.db.execute_groups

    async def counted(groups: Sequence[StatementGroup], *, keep_compiled: bool = True) -> list[int]:
        transactions.append([str((steps[0][1] or {}).get("token_id", "")) for steps, _ in groups])
        return await execute_groups(groups, keep_compiled=keep_compiled)

    monkeypatch.setattr(container.db, "execute_groups", counted)
    return transactions


async def rotate_all(
    container: Container, children: list[RefreshTokenRecord]
) -> list[bool | BaseException]:
    rotation = Rotation(at=datetime.now(UTC), exclusive=True)
    store = container.engine.ports.refresh_tokens
    return await asyncio.gather(
        *(
            store.save_refresh(container.hasher.digest(f"bas_rt_child_{n}"), child, rotation)
            for n, child in enumerate(children)
        ),
        return_exceptions=True,
    )


async def test_rotations_saved_together_share_a_transaction_in_lock_order(
    base: tuple[Settings, Container], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, container = base
    store = container.engine.ports.refresh_tokens
    parents = await saved_parents(container, 6)
    for n in (1, 4):  # rotated already: an exclusive rotation of either is lost
        await store.save_refresh(
            container.hasher.digest(f"bas_rt_earlier_{n}"),
            successor(parents[n]),
            Rotation(at=datetime.now(UTC), exclusive=True),
        )
    transactions = transactions_of(container, monkeypatch)
    results = await rotate_all(container, [successor(p) for p in parents])
    assert results == [True, False, True, True, False, True]  # each caller its own outcome
    # One transaction, its parents locked in the order of their ids (no cycles across nodes).
    assert transactions == [sorted(p.id for p in parents)]
    for n in range(len(parents)):
        child = await store.find_refresh(container.hasher.digest(f"bas_rt_child_{n}"))
        assert (child is None) == (n in (1, 4))


async def test_a_rotation_that_breaks_a_constraint_fails_alone(
    base: tuple[Settings, Container], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, container = base
    store = container.engine.ports.refresh_tokens
    parents = await saved_parents(container, 6)
    transactions = transactions_of(container, monkeypatch)
    children = [successor(p) for p in parents]
    # One successor names a session that does not exist: its row breaks a foreign key.
    children[2] = replace(children[2], session_id="no-such-session")
    results = await rotate_all(container, children)
    assert [r if isinstance(r, bool) else type(r).__name__ for r in results] == [
        True,
        True,
        "IntegrityError",
        True,
        True,
        True,
    ]
    # All six in one transaction; when it failed, each was written alone.
    assert [len(t) for t in transactions] == [6, 1, 1, 1, 1, 1, 1]
    for n in range(len(parents)):
        found = await store.find_refresh(container.hasher.digest(f"bas_rt_parent_{n}"))
        assert found is not None
        assert (found.rotated_at is None) == (n == 2)  # the failed one rotated nothing
        child = await store.find_refresh(container.hasher.digest(f"bas_rt_child_{n}"))
        assert (child is None) == (n == 2)


async def test_a_refresh_token_is_read_with_its_live_session(
    base: tuple[Settings, Container],
) -> None:
    _, container = base
    app, user_id = await demo_user(container, "joined")
    tenant = Tenant(app.workspace_id, app.id)
    info, _ = await container.sessions.create(
        tenant, user_id, amr=("pwd",), ip="127.0.0.1", user_agent="test"
    )
    store = container.engine.ports.refresh_tokens
    token = replace(await first_refresh_token(container), subject=user_id, session_id=info.id)
    digest = container.hasher.digest("bas_rt_with_session")
    await store.save_refresh(digest, token)
    found = await store.find_refresh(digest)
    assert found is not None and found.session is not None
    assert (found.session.id, found.session.subject, found.session.realm) == (
        info.id,
        user_id,
        app.id,
    )
    assert found.session.amr == ("pwd",)
    assert found.session.auth_time == info.auth_time
    assert found.session.expires_at == info.expires_at
    # Once the session ends, the token is still found, without a live session.
    await container.sessions.end(info)
    ended = await store.find_refresh(digest)
    assert ended is not None and ended.session_id == info.id and ended.session is None
    # A token of no session has none either.
    alone = container.hasher.digest("bas_rt_without_session")
    await store.save_refresh(alone, await first_refresh_token(container))
    found_alone = await store.find_refresh(alone)
    assert found_alone is not None and found_alone.session is None
