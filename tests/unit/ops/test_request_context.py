"""The request context's answer to an unhandled error: sent when nothing was sent yet, with the
request id and counted as a 500; an error after the response started goes up unchanged."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bastion.ops import metrics
from bastion.ops.middleware import RequestContext

SCOPE: dict[str, Any] = {"type": "http", "method": "GET", "path": "/demo/jwks", "headers": []}


async def crash_before(_scope: Scope, _receive: Receive, _send: Send) -> None:
    raise RuntimeError("boom")


async def crash_after(_scope: Scope, _receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    raise RuntimeError("boom")


async def answer(exc: Exception) -> ASGIApp:
    return JSONResponse({"error": "server_error", "seen": str(exc)}, status_code=500)


async def run(app: ASGIApp) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    await app(dict(SCOPE), receive, send)
    return sent


async def test_an_error_before_the_response_is_answered() -> None:
    sent = await run(RequestContext(crash_before, on_error=answer))
    start, body = sent
    assert start["status"] == 500
    assert any(name == b"x-request-id" for name, _ in start["headers"])
    assert body["body"] == b'{"error":"server_error","seen":"boom"}'


async def test_an_error_after_the_response_started_goes_up() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        await run(RequestContext(crash_after, on_error=answer))


async def test_without_an_answer_every_error_goes_up() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        await run(RequestContext(crash_before))


async def test_the_duration_recorded_is_the_requests_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Metrics and the access log get the time this request took (here at least the 20 ms the
    app sleeps, and far less than a second), not a clock reading."""
    seen: list[float] = []

    def observe(_endpoint: str, _method: str, _status: int, elapsed: float) -> None:
        seen.append(elapsed)

    async def slow(_scope: Scope, _receive: Receive, send: Send) -> None:
        await asyncio.sleep(0.02)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    monkeypatch.setattr(metrics, "observe_request", observe)
    for app in (RequestContext(slow), RequestContext(slow, on_error=answer)):
        await run(app)
    assert len(seen) == 2
    assert all(0.02 <= elapsed < 1.0 for elapsed in seen), seen


async def test_the_answered_error_is_counted_as_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[tuple[str, int]] = []

    def observe(_endpoint: str, method: str, status: int, _elapsed: float) -> None:
        counted.append((method, status))

    monkeypatch.setattr(metrics, "observe_request", observe)
    await run(RequestContext(crash_before, on_error=answer))
    with pytest.raises(RuntimeError):
        await run(RequestContext(crash_after, on_error=answer))
    assert counted == [("GET", 500), ("GET", 200)]
