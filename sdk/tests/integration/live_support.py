"""The live server and the apps the SDK's integration tests create on it.

The server is started with the repository's own helper (`tests/support/live.py`:
`bastion migrate`, `bastion bootstrap --json`, `bastion serve` in a subprocess) on a
fresh SQLite database, or on PostgreSQL when BASTION_TEST_DB=postgresql.
"""

from __future__ import annotations

import importlib
import itertools
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bastion_sdk import (
    AccessTokenClaims,
    AsyncClient,
    AsyncTokenVerifier,
    Client,
    Token,
    TokenVerifier,
)


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
def start_bastion(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Any]]:
    """Starts a server with extra settings (`BASTION_...=value`) on a fresh database;
    every server started is stopped at the end of the session."""
    # The repository's own helpers (tests/ at the root, on the path via pytest's
    # `pythonpath`); imported here so that the SDK's unit tests never need them.
    start_live_server = importlib.import_module("tests.support.live").start_live_server
    postgres_server = importlib.import_module("tests.support.postgres").PostgresServer

    postgres: Any = None
    # `--db` exists when the repository's root test configuration is in use.
    db = request.config.getoption("--db", default=None) or os.environ.get("BASTION_TEST_DB")
    if db == "postgresql":
        postgres = postgres_server()
        postgres.start()
    started: list[Any] = []

    def start(**settings: str) -> Any:
        data_dir = tmp_path_factory.mktemp("bastion")
        if postgres is not None:
            database_url = postgres.create_database(f"bastion_sdk_{len(started)}")
        else:
            database_url = f"sqlite:///{data_dir / 'bastion.db'}"
        server = start_live_server(data_dir, database_url, **settings)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()
        if postgres is not None:
            postgres.stop()


@pytest.fixture(scope="session")
def bastion(start_bastion: Callable[..., Any]) -> Any:
    """The server most tests share (the repository's test settings: refresh-token reuse
    grace 0, device polling interval 1 s)."""
    return start_bastion()


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


class Counter:
    """Counts requests to paths ending in `suffix`, for sync and async httpx clients."""

    def __init__(self, suffix: str = "/token") -> None:
        self.suffix = suffix
        self.count = 0
        self.lock = threading.Lock()

    def sync_hook(self, request: httpx.Request) -> None:
        if request.url.path.endswith(self.suffix):
            with self.lock:
                self.count += 1

    async def async_hook(self, request: httpx.Request) -> None:
        self.sync_hook(request)


class Person:
    """The demo user at the server's hosted pages, over plain HTTP (no browser).

    It reuses the page driver of the repository's own integration tests
    (`tests/integration/flows.py`): forms are read from the served HTML, CSRF token
    included, and cookies persist like a browser's. Blocking: async tests run it with
    `asyncio.to_thread`.
    """

    def __init__(self, server: Any) -> None:
        flows = importlib.import_module("tests.integration.flows")
        self._pages = flows.Person(server)
        self._login = flows.demo_login(server)

    def authorize(self, url: str, decision: str = "allow") -> str:
        """Open an authorization URL, sign in and decide; the redirect back to the app."""
        first = self._pages.http.get(url)
        assert first.status_code == 303, first.text
        location = str(first.headers["location"])
        if location.startswith("/login/"):
            signed = self._pages.sign_in(location, *self._login)
            assert signed.status_code == 303, signed.text
            location = str(self._pages.consent(signed, decision).headers["location"])
        return location

    def approve_device(self, verification_uri: str, user_code: str, decision: str = "allow") -> str:
        """Type the user code on the device page, sign in and decide; the final page's text."""
        entered = self._pages.submit(verification_uri, user_code=user_code)
        assert entered.status_code == 303, entered.text
        signed = self._pages.sign_in(entered.headers["location"], *self._login)
        assert signed.status_code == 303, signed.text
        done = self._pages.consent(signed, decision)
        assert done.status_code == 200, done.text
        return str(done.text)


@dataclass
class PublicClient:
    """The bootstrap's public client (code + PKCE, refresh, device) of the demo app."""

    issuer: str
    client_id: str
    redirect_uri: str


@pytest.fixture(scope="session")
def public_client(bastion: Any) -> PublicClient:
    boot = bastion.bootstrap
    return PublicClient(bastion.issuer, str(boot["public_client_id"]), str(boot["redirect_uri"]))


def public_oauth(app: PublicClient, flavor: str, **http: Any) -> Client | AsyncClient:
    """The SDK client twin of `flavor` for the public client; `http` configures its
    own httpx client (event hooks, for instance)."""
    if flavor == "sync":
        return Client(app.issuer, client_id=app.client_id, http_client=httpx.Client(**http))
    return AsyncClient(app.issuer, client_id=app.client_id, http_client=httpx.AsyncClient(**http))


async def verify_user_token(app: PublicClient, flavor: str, token: Token) -> AccessTokenClaims:
    """A signed-in user's access token, checked by the SDK's verifier twin of `flavor`
    (the demo app's audience is `demo`)."""
    verifier: TokenVerifier | AsyncTokenVerifier
    if flavor == "sync":
        verifier = TokenVerifier(app.issuer, audience="demo")
    else:
        verifier = AsyncTokenVerifier(app.issuer, audience="demo")
    claims = verifier.verify(token.access_token)
    if not isinstance(claims, AccessTokenClaims):
        claims = await claims
    assert claims.client_id == app.client_id and claims.subject
    return claims
