"""A migrated, bootstrapped container on a fresh database of the kind under test; an empty
SQLite database through each SQLite driver in turn."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bastion.container import Container
from bastion.settings import Settings
from bastion.store import migrate, sqlite_engine
from bastion.store.db import Database
from tests.store.lock_holder import SQLITE_FILE
from tests.support.live import TEST_MASTER_KEY


@pytest.fixture
async def container(
    new_database_url: Callable[[], str], tmp_path: Path
) -> AsyncIterator[Container]:
    settings = Settings.model_validate(
        {"database_url": new_database_url(), "data_dir": tmp_path, "master_key": TEST_MASTER_KEY}
    )
    await migrate.upgrade_async(settings.effective_database_url)
    built = Container.build(settings, pool_size=2)
    await built.bootstrap()
    yield built
    await built.close()


@pytest.fixture(params=["aiosqlite", sqlite_engine.DRIVER])
async def sqlite_db(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Database]:
    """An empty database in ``tmp_path / SQLITE_FILE``; SQLite runs only."""
    if db_kind != "sqlite":
        pytest.skip("SQLite only")
    database = Database(f"sqlite+{request.param}:///{tmp_path / SQLITE_FILE}")
    yield database
    await database.dispose()
