"""The live server and the apps the SDK's integration tests create on it.

The server is started with the repository's own helper (`tests/support/live.py`:
`bastion migrate`, `bastion bootstrap --json`, `bastion serve` in a subprocess) on a
fresh SQLite database, or on PostgreSQL when BASTION_TEST_DB=postgresql.
"""

from __future__ import annotations

import importlib
import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class App:
    """An app (issuer) created on the live server, with a confidential M2M client."""

    slug: str
    issuer: str
    client_id: str
    client_secret: str

    @property
    def credentials(self) -> dict[str, str]:
        return {"client_id": self.client_id, "client_secret": self.client_secret}


_counter = itertools.count()


@pytest.fixture(scope="session")
def bastion(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    # The repository's own helpers (tests/ at the root, on the path via pytest's
    # `pythonpath`); imported here so that the SDK's unit tests never need them.
    start_live_server = importlib.import_module("tests.support.live").start_live_server
    postgres_server = importlib.import_module("tests.support.postgres").PostgresServer

    data_dir = tmp_path_factory.mktemp("bastion")
    postgres: Any = None
    # `--db` exists when the repository's root test configuration is in use.
    db = request.config.getoption("--db", default=None) or os.environ.get("BASTION_TEST_DB")
    if db == "postgresql":
        postgres = postgres_server()
        postgres.start()
        database_url = postgres.create_database("bastion_sdk")
    else:
        database_url = f"sqlite:///{data_dir / 'bastion.db'}"
    server = start_live_server(data_dir, database_url)
    try:
        yield server
    finally:
        server.stop()
        if postgres is not None:
            postgres.stop()


@pytest.fixture(scope="session")
def demo(bastion: Any) -> App:
    client_id, secret = bastion.m2m
    return App("demo", bastion.issuer, client_id, secret)


@pytest.fixture(scope="session")
def make_app(bastion: Any) -> Callable[..., App]:
    """An app signing with `alg` and a client-credentials client for it.

    Apps are made once per algorithm and shared (the CLI takes seconds per call);
    `fresh=True` makes a new one.
    """
    made: dict[str, App] = {}

    def make(alg: str = "RS256", *, fresh: bool = False) -> App:
        if not fresh and alg in made:
            return made[alg]
        slug = f"sdk-{alg.lower()}-{next(_counter)}"
        app = bastion.cli_json(
            "apps", "create", "--workspace", "demo", "--slug", slug, "--alg", alg
        )
        args = [
            "clients",
            "create",
            "--app",
            slug,
            "--name",
            "sdk tests",
            "--grant",
            "client_credentials",
            "--grant",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ]
        for scope in ("read", "write"):
            args += ["--scope", scope]
        client = bastion.cli_json(*args)
        result = App(slug, app["issuer"], client["client_id"], client["client_secret"])
        made.setdefault(alg, result)
        return result

    return make
