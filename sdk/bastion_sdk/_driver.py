"""Sans-I/O flows and the two drivers that run them.

Protocol logic is written once, as generators that yield `Call` (send this HTTP
request and give me the response) or `Wait` (pause this long), and return a result.
`run_sync` drives a flow with an `httpx.Client`, `run_async` with an
`httpx.AsyncClient`; nothing else differs between the sync and async twins.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

from ._errors import DeviceFlowCancelled, TransportError

T = TypeVar("T")

# Indirections so that tests can run polling flows without real waiting.
sleep = time.sleep
async_sleep = asyncio.sleep


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP request a flow wants sent."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    timeout: float | None = None


@dataclass(frozen=True, slots=True)
class Wait:
    """A pause a flow wants (device polling)."""

    seconds: float


Step = Call | Wait
Flow = Generator[Step, httpx.Response | None, T]


def send(call: Call) -> Generator[Step, httpx.Response | None, httpx.Response]:
    """`response = yield from send(call)` inside a flow."""
    response = yield call
    assert response is not None, "a driver answers a Call with a response"
    return response


def _transport_error(call: Call, exc: httpx.RequestError, request: httpx.Request) -> TransportError:
    return TransportError(
        f"{call.method} {call.url} failed before any HTTP answer ({type(exc).__name__}: {exc}); "
        "check that the server is reachable and the URL is right",
        request=request,
    )


def _build(http: httpx.Client | httpx.AsyncClient, call: Call) -> httpx.Request:
    timeout = httpx.USE_CLIENT_DEFAULT if call.timeout is None else call.timeout
    return http.build_request(
        call.method, call.url, headers=call.headers, content=call.body, timeout=timeout
    )


# The SDK's own requests never take the user's client-level auth (a TokenSource
# installed on that client would otherwise try to authorise its own token request)
# and never follow redirects (a redirected token request would re-send credentials).


def send_sync(http: httpx.Client, call: Call) -> httpx.Response:
    request = _build(http, call)
    try:
        return http.send(request, auth=None, follow_redirects=False)
    except httpx.RequestError as exc:
        raise _transport_error(call, exc, request) from exc


async def send_async(http: httpx.AsyncClient, call: Call) -> httpx.Response:
    request = _build(http, call)
    try:
        return await http.send(request, auth=None, follow_redirects=False)
    except httpx.RequestError as exc:
        raise _transport_error(call, exc, request) from exc


def run_sync(http: httpx.Client, flow: Flow[T], cancel: threading.Event | None = None) -> T:
    """Run `flow` to completion with blocking I/O; `cancel` interrupts a Wait."""
    try:
        step = next(flow)
        while True:
            if isinstance(step, Wait):
                if cancel is not None and cancel.wait(step.seconds):
                    raise DeviceFlowCancelled("polling was cancelled")
                if cancel is None:
                    sleep(step.seconds)
                step = flow.send(None)
            else:
                step = flow.send(send_sync(http, step))
    except StopIteration as stop:
        result: T = stop.value
        return result
    finally:
        flow.close()


async def run_async(
    http: httpx.AsyncClient, flow: Flow[T], cancel: asyncio.Event | None = None
) -> T:
    """Run `flow` to completion on the event loop; task cancellation or `cancel` stop it."""
    try:
        step = next(flow)
        while True:
            if isinstance(step, Wait):
                if cancel is None:
                    await async_sleep(step.seconds)
                else:
                    try:
                        await asyncio.wait_for(cancel.wait(), step.seconds)
                    except TimeoutError:
                        pass
                    else:
                        raise DeviceFlowCancelled("polling was cancelled")
                step = flow.send(None)
            else:
                step = flow.send(await send_async(http, step))
    except StopIteration as stop:
        result: T = stop.value
        return result
    finally:
        flow.close()
