"""Shared fixtures: a fake authorization server and both client flavors.

Tests that take `flavor` run twice, once with the sync twin and once with the async
one (see twins.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fake_server import FakeAuthServer
from twins import OAuth, close, make_client


def pytest_configure(config: pytest.Config) -> None:
    # Registered here too, so the markers are known under the repository's root config.
    config.addinivalue_line("markers", "integration: runs against a live Bastion server")
    config.addinivalue_line("markers", "install: installs the SDK into a fresh venv")


@pytest.fixture
def server() -> FakeAuthServer:
    return FakeAuthServer()


@pytest.fixture(params=["sync", "async"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def oauth(server: FakeAuthServer, flavor: str) -> AsyncIterator[OAuth]:
    client = make_client(server, flavor)
    yield client
    await close(client)
