"""Shared fixtures. `--db postgresql` (or BASTION_TEST_DB=postgresql) runs the database and
integration tests against a PostgreSQL server started here from the Debian binaries."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.live import LiveServer, start_live_server
from tests.support.postgres import PostgresServer

DB_CHOICES = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=DB_CHOICES,
        default=os.environ.get("BASTION_TEST_DB", "sqlite"),
        help="database for the db and integration tests",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = str(item.path)
        if f"{os.sep}integration{os.sep}" in path:
            item.add_marker(pytest.mark.integration)
        if f"{os.sep}store{os.sep}" in path or f"{os.sep}cli{os.sep}" in path:
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


@pytest.fixture(scope="session")
def postgres(db_kind: str) -> Iterator[PostgresServer | None]:
    if db_kind != "postgresql":
        yield None
        return
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def new_database_url(
    db_kind: str, postgres: PostgresServer | None, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[], str]:
    """A factory of empty databases of the kind under test."""
    counter = itertools.count()

    def make() -> str:
        n = next(counter)
        if postgres is not None:
            return postgres.create_database(f"bastion_test_{n}")
        path = tmp_path_factory.mktemp(f"sqlite{n}") / "bastion.db"
        return f"sqlite:///{path}"

    return make


@pytest.fixture(scope="session")
def make_live_server(
    new_database_url: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., LiveServer]]:
    started: list[LiveServer] = []

    def make(**extra_env: str) -> LiveServer:
        data_dir: Path = tmp_path_factory.mktemp("server")
        server = start_live_server(data_dir, new_database_url(), **extra_env)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def live_server(make_live_server: Callable[..., LiveServer]) -> LiveServer:
    """One server for the whole session, on a fresh database, bootstrapped with the demo."""
    return make_live_server()
