"""Shared fixtures: a fake authorization server and sync/async client factories.

Tests that take `flavor` run twice, once with `Client` and once with `AsyncClient`;
`resolve()` awaits a result only when the async twin returned a coroutine, so one
test body covers both.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import pytest
from fake_server import CLIENT_ID, CLIENT_SECRET, FakeAuthServer

from bastion_sdk import AsyncClient, Client

T = TypeVar("T")
OAuth = Client | AsyncClient


async def resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


@pytest.fixture
def server() -> FakeAuthServer:
    return FakeAuthServer()


@pytest.fixture(params=["sync", "async"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def make_client(server: FakeAuthServer, flavor: str, **options: Any) -> Client | AsyncClient:
    options.setdefault("client_id", CLIENT_ID)
    options.setdefault("client_secret", CLIENT_SECRET)
    if flavor == "sync":
        return Client(server.issuer, transport=server.transport(), **options)
    return AsyncClient(server.issuer, transport=server.async_transport(), **options)


async def close(client: Client | AsyncClient) -> None:
    if isinstance(client, Client):
        client.close()
    else:
        await client.aclose()


@pytest.fixture
async def oauth(server: FakeAuthServer, flavor: str) -> AsyncIterator[Client | AsyncClient]:
    client = make_client(server, flavor)
    yield client
    await close(client)
