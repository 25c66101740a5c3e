"""Shared fixtures: a fake authorization server and both client flavors.

Tests that take `flavor` run twice, once with the sync twin and once with the async
one (see twins.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fake_server import FakeAuthServer
from twins import OAuth, close, make_client


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
