"""Device authorization flow (RFC 8628): interval, slow_down, expiry, cancellation."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from fake_server import FakeAuthServer
from twins import close, make_client, resolve

from bastion_sdk import (
    AccessDenied,
    AsyncClient,
    Client,
    DeviceFlowCancelled,
    DeviceFlowExpired,
    ExpiredToken,
    OAuthError,
    _driver,
)


class FakeTime:
    """A monotonic clock that only moves when the flow waits."""

    def __init__(self) -> None:
        self.now = 500.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch, server: FakeAuthServer) -> Iterator[FakeTime]:
    fake = FakeTime()
    monkeypatch.setattr(_driver, "sleep", fake.sleep)
    monkeypatch.setattr(_driver, "async_sleep", fake.async_sleep)
    server.clock = fake.monotonic
    yield fake


def device_client(server: FakeAuthServer, flavor: str, fake: FakeTime) -> Client | AsyncClient:
    client = make_client(server, flavor)
    client._core.monotonic = fake.monotonic
    return client


async def test_start_device_authorization(
    server: FakeAuthServer, flavor: str, fake_time: FakeTime
) -> None:
    client = device_client(server, flavor, fake_time)
    authz = await resolve(client.start_device_authorization(scope="offline_access"))
    assert authz.user_code == "ABCD-EFGH" and authz.interval == 5
    assert authz.expires_at == fake_time.now + 600
    assert authz.device_code not in repr(authz)
    await close(client)


async def test_polling_honours_interval_and_slow_down(
    server: FakeAuthServer, flavor: str, fake_time: FakeTime
) -> None:
    client = device_client(server, flavor, fake_time)
    authz = await resolve(client.start_device_authorization())
    server.device_script = [
        "authorization_pending",
        "slow_down",
        "authorization_pending",
        "slow_down",
        None,
    ]
    token = await resolve(client.poll_device_token(authz))
    assert token.access_token
    # The first poll waits one interval; each slow_down adds 5 s for good.
    assert fake_time.waits == [5, 5, 10, 10, 15]
    gaps = [b - a for a, b in zip(server.poll_times, server.poll_times[1:], strict=False)]
    assert gaps == [5, 10, 10, 15]
    await close(client)


async def test_polling_stops_at_expiry(
    server: FakeAuthServer, flavor: str, fake_time: FakeTime
) -> None:
    client = device_client(server, flavor, fake_time)
    authz = await resolve(client.start_device_authorization())
    server.device_script = ["authorization_pending"] * 1000
    with pytest.raises(DeviceFlowExpired, match="start a new device authorization"):
        await resolve(client.poll_device_token(authz))
    assert fake_time.now < authz.expires_at
    assert len(server.poll_times) == 119  # polls at +5 ... +595 s
    await close(client)


async def test_server_side_expiry_and_denial(
    server: FakeAuthServer, flavor: str, fake_time: FakeTime
) -> None:
    client = device_client(server, flavor, fake_time)
    authz = await resolve(client.start_device_authorization())
    server.device_script = ["expired_token"]
    with pytest.raises(DeviceFlowExpired) as caught:
        await resolve(client.poll_device_token(authz))
    assert isinstance(caught.value, ExpiredToken) and isinstance(caught.value, OAuthError)
    server.device_script = ["access_denied"]
    with pytest.raises(AccessDenied):
        await resolve(client.poll_device_token(authz))
    await close(client)


def test_sync_cancellation(server: FakeAuthServer) -> None:
    client = make_client(server, "sync")
    assert isinstance(client, Client)
    authz = client.start_device_authorization()
    server.device_script = ["authorization_pending"] * 100
    cancel = threading.Event()
    threading.Timer(0.05, cancel.set).start()
    with pytest.raises(DeviceFlowCancelled):
        client.poll_device_token(authz, cancel=cancel)
    assert server.calls["/token"] == 0
    client.close()


async def test_async_cancellation_by_event_and_by_task(server: FakeAuthServer) -> None:
    client = make_client(server, "async")
    assert isinstance(client, AsyncClient)
    authz = await client.start_device_authorization()
    cancel = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, cancel.set)
    with pytest.raises(DeviceFlowCancelled):
        await client.poll_device_token(authz, cancel=cancel)
    task = asyncio.create_task(client.poll_device_token(authz))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert server.calls["/token"] == 0
    await client.aclose()
