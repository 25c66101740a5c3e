"""A migrated, bootstrapped container on a fresh database of the kind under test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bastion.container import Container
from bastion.settings import Settings
from bastion.store import migrate
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
