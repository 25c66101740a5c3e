"""Helpers to run one test body against both twins (Client / AsyncClient).

`resolve()` awaits a result only when the async twin returned a coroutine.
"""

from __future__ import annotations

import inspect
from typing import Any

from fake_server import CLIENT_ID, CLIENT_SECRET, FakeAuthServer

from bastion_sdk import AsyncClient, Client

OAuth = Client | AsyncClient


async def resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def make_client(server: FakeAuthServer, flavor: str, **options: Any) -> OAuth:
    options.setdefault("client_id", CLIENT_ID)
    options.setdefault("client_secret", CLIENT_SECRET)
    if flavor == "sync":
        return Client(server.issuer, transport=server.transport(), **options)
    return AsyncClient(server.issuer, transport=server.async_transport(), **options)


async def close(client: OAuth) -> None:
    if isinstance(client, Client):
        client.close()
    else:
        await client.aclose()
