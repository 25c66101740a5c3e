"""The device flow (RFC 8628) against a live server, through both twins.

The SDK starts the flow and polls; meanwhile the demo user types the user code on the
hosted device page (`live_support.Person`, in a thread). The test server's polling
interval is 1 s. Every poll is logged from httpx event hooks on the SDK's own client, so
the tests see what actually went over the wire and when.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_support import Person, PublicClient, public_oauth, verify_user_token
from twins import close, resolve

from bastion_sdk import (
    AccessDenied,
    AsyncClient,
    Client,
    DeviceAuthorization,
    DeviceFlowCancelled,
    DeviceFlowExpired,
    ExpiredToken,
    Token,
)

DEVICE_GRANT = b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"
SCOPE = "openid offline_access"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "device_flow.py"


class Polls:
    """When each device-code poll was sent and what came back ("ok" or the error code).

    With `race=True`, another poller sends the same request just before the SDK's first
    poll, as a second copy of an app polling the same code would, so that poll comes
    too soon and the server answers slow_down.
    """

    def __init__(self, *, race: bool = False) -> None:
        self.sent: list[float] = []
        self.answers: list[str] = []
        self.race = race
        self.changed = threading.Condition()

    def on_request(self, request: httpx.Request) -> None:
        if not request.content.startswith(DEVICE_GRANT):
            return
        if self.race and not self.sent:
            headers = {"content-type": request.headers["content-type"]}
            httpx.post(str(request.url), content=request.content, headers=headers)
        self.sent.append(time.monotonic())

    def on_response(self, response: httpx.Response) -> None:
        if not response.request.content.startswith(DEVICE_GRANT):
            return
        response.read()  # a no-op after the async hook's aread()
        answer = "ok" if response.status_code == 200 else response.json()["error"]
        with self.changed:
            self.answers.append(answer)
            self.changed.notify_all()

    def wait_for(self, answer: str, timeout: float = 30) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: answer in self.answers, timeout), self.answers

    def gaps(self) -> list[float]:
        return [b - a for a, b in zip(self.sent, self.sent[1:], strict=False)]

    def hooks(self, flavor: str) -> dict[str, list[Callable[..., Any]]]:
        if flavor == "sync":
            return {"request": [self.on_request], "response": [self.on_response]}

        async def on_request(request: httpx.Request) -> None:
            await asyncio.to_thread(self.on_request, request)

        async def on_response(response: httpx.Response) -> None:
            await response.aread()
            self.on_response(response)

        return {"request": [on_request], "response": [on_response]}


def device_client(app: PublicClient, flavor: str, polls: Polls) -> Client | AsyncClient:
    return public_oauth(app, flavor, event_hooks=polls.hooks(flavor))


async def poll_while(
    client: Client | AsyncClient, authz: DeviceAuthorization, person: Callable[[], None]
) -> Token:
    """Poll in the background while `person` acts at the hosted pages."""
    if isinstance(client, Client):
        with ThreadPoolExecutor(1) as pool:
            polled = pool.submit(client.poll_device_token, authz)
            await asyncio.to_thread(person)
            return polled.result(timeout=60)
    task = asyncio.create_task(client.poll_device_token(authz))
    await asyncio.to_thread(person)
    return await asyncio.wait_for(task, 60)


async def check_tokens(app: PublicClient, flavor: str, token: Token) -> None:
    assert token.scopes == set(SCOPE.split()) and token.refresh_token and token.id_token
    await verify_user_token(app, flavor, token)


def approve(bastion: Any, authz: DeviceAuthorization, decision: str = "allow") -> str:
    return Person(bastion).approve_device(authz.verification_uri, authz.user_code, decision)


async def test_approval_on_the_device_page(
    bastion: Any, public_client: PublicClient, flavor: str
) -> None:
    polls = Polls()
    client = device_client(public_client, flavor, polls)
    authz = await resolve(client.start_device_authorization(scope=SCOPE))
    started = time.monotonic()
    assert authz.interval == 1 and authz.verification_uri == f"{bastion.base_url}/oidc/device"

    def person() -> None:
        polls.wait_for("authorization_pending")
        assert "go back to your device" in approve(bastion, authz)

    token = await poll_while(client, authz, person)
    await check_tokens(public_client, flavor, token)
    assert polls.answers[-1] == "ok" and set(polls.answers[:-1]) == {"authorization_pending"}
    assert polls.sent[0] - started >= authz.interval
    assert min(polls.gaps()) >= authz.interval
    await close(client)


async def test_slow_down_adds_five_seconds(
    bastion: Any, public_client: PublicClient, flavor: str
) -> None:
    polls = Polls(race=True)
    client = device_client(public_client, flavor, polls)
    authz = await resolve(client.start_device_authorization(scope=SCOPE))

    def person() -> None:
        polls.wait_for("slow_down")
        approve(bastion, authz)

    token = await poll_while(client, authz, person)
    await check_tokens(public_client, flavor, token)
    # One slow_down, then the SDK waits interval + 5 s and the server is satisfied.
    assert polls.answers == ["slow_down", "ok"]
    assert polls.gaps()[0] >= authz.interval + 5
    await close(client)


async def test_denial_on_the_device_page(
    bastion: Any, public_client: PublicClient, flavor: str
) -> None:
    client = device_client(public_client, flavor, Polls())
    authz = await resolve(client.start_device_authorization(scope=SCOPE))
    await asyncio.to_thread(approve, bastion, authz, "deny")
    with pytest.raises(AccessDenied):
        await resolve(client.poll_device_token(authz))
    await close(client)


async def test_cancellation(public_client: PublicClient, flavor: str) -> None:
    polls = Polls()
    client = device_client(public_client, flavor, polls)
    authz = await resolve(client.start_device_authorization(scope=SCOPE))
    if isinstance(client, Client):
        cancel = threading.Event()
        with ThreadPoolExecutor(1) as pool:
            polled = pool.submit(client.poll_device_token, authz, cancel=cancel)
            await asyncio.to_thread(polls.wait_for, "authorization_pending")
            cancel.set()
            with pytest.raises(DeviceFlowCancelled):
                polled.result(timeout=5)
    else:
        event = asyncio.Event()
        task = asyncio.create_task(client.poll_device_token(authz, cancel=event))
        await asyncio.to_thread(polls.wait_for, "authorization_pending")
        event.set()
        with pytest.raises(DeviceFlowCancelled):
            await asyncio.wait_for(task, 5)
        task = asyncio.create_task(client.poll_device_token(authz))
        await asyncio.sleep(authz.interval / 2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    sent = len(polls.sent)
    await asyncio.sleep(authz.interval * 1.5)
    assert len(polls.sent) == sent  # nothing polls any more
    await close(client)


@pytest.fixture(scope="session")
def short_lived(start_bastion: Callable[..., Any]) -> Iterator[PublicClient]:
    """The public client of a second server whose device codes live 5 s."""
    server = start_bastion(BASTION_DEVICE_CODE_TTL="5")
    boot = server.bootstrap
    yield PublicClient(server.issuer, str(boot["public_client_id"]), str(boot["redirect_uri"]))


async def test_expiry(short_lived: PublicClient, flavor: str) -> None:
    polls = Polls()
    client = device_client(short_lived, flavor, polls)
    authz = await resolve(client.start_device_authorization(scope=SCOPE))
    assert authz.expires_in == 5
    # The SDK stops by itself at the code's lifetime (unless a slow machine's last poll
    # reaches the server just after its deadline, and the server says so).
    with pytest.raises(DeviceFlowExpired):
        await resolve(client.poll_device_token(authz))
    assert time.monotonic() < authz.expires_at + 1
    assert 3 <= len(polls.sent) <= 5 and "expired_token" not in polls.answers[:-1]
    # A caller whose deadline is off (a code kept too long) hears it from the server.
    await asyncio.sleep(max(0.0, authz.expires_at - time.monotonic()))
    late = dataclasses.replace(authz, expires_at=time.monotonic() + 60)
    with pytest.raises(ExpiredToken) as caught:
        await resolve(client.poll_device_token(late))
    assert isinstance(caught.value, DeviceFlowExpired) and polls.answers[-1] == "expired_token"
    await close(client)


def test_the_device_flow_example(bastion: Any, public_client: PublicClient) -> None:
    """examples/device_flow.py, run as a user would, approved on the device page."""
    args = ["--issuer", public_client.issuer, "--client-id", public_client.client_id]
    example = subprocess.Popen(
        [sys.executable, str(EXAMPLE), *args, "--audience", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert example.stdout is not None
        prompt = example.stdout.readline()
        found = re.fullmatch(r"Go to (\S+) and enter (\S+)\n", prompt)
        assert found, prompt
        Person(bastion).approve_device(found.group(1), found.group(2))
        output, _ = example.communicate(timeout=30)
    finally:
        example.kill()
    assert example.returncode == 0, output
    assert "Signed in; scopes: offline_access openid" in output
    assert "Verified: subject " in output
