"""The uvicorn protocol of `bastion serve` writes each response once, whole and in order.

The protocol is driven as uvicorn drives it (``connection_made``, ``data_received``) over a
transport that records its writes, with uvicorn's own config and a small ASGI app.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import uvicorn
from uvicorn.config import Config
from uvicorn.importer import import_from_string
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from bastion.cli import serve
from bastion.ops.http_protocol import (
    HOLD_LIMIT,
    PROTOCOL,
    CoalescingHttpToolsProtocol,
    CoalescingTransport,
)
from bastion.settings import Settings

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
GET = b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n"


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.events: list[str] = []
        self.closing = False

    def write(self, data: Any) -> None:
        assert not self.closing, "written after close"
        self.writes.append(bytes(data))
        self.events.append("write")

    def close(self) -> None:
        self.closing = True
        self.events.append("close")

    def abort(self) -> None:
        self.closing = True
        self.events.append("abort")

    def is_closing(self) -> bool:
        return self.closing

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def get_write_buffer_size(self) -> int:
        return 0

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def plain(scope: Scope, receive: Receive, send: Send) -> None:
    body = b"hello " + scope["path"].encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body))],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def streamed(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    for part in (b"one", b"two"):
        await send({"type": "http.response.body", "body": part, "more_body": True})
        await asyncio.sleep(0.01)
    await send({"type": "http.response.body", "body": b"three"})


async def serve_bytes(
    protocol_class: type[HttpToolsProtocol], app: Any, *requests: bytes
) -> RecordingTransport:
    config = Config(app=app, http=protocol_class, lifespan="off", date_header=False)
    config.load()
    protocol = protocol_class(config=config, server_state=ServerState(), app_state={})
    transport = RecordingTransport()
    protocol.connection_made(transport)
    for request in requests:
        protocol.data_received(request)
    for _ in range(50):  # let the app's tasks and the end-of-turn flush run
        await asyncio.sleep(0.005)
    protocol.connection_lost(None)
    return transport


async def test_a_response_leaves_in_one_write() -> None:
    transport = await serve_bytes(CoalescingHttpToolsProtocol, plain, GET)

    assert len(transport.writes) == 1
    head, _, body = transport.writes[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"content-length: 8" in head
    assert body == b"hello /x"


async def test_plain_uvicorn_writes_head_and_body_apart() -> None:
    # What the protocol is for: the same exchange over uvicorn's own protocol takes two.
    transport = await serve_bytes(HttpToolsProtocol, plain, GET)

    assert len(transport.writes) == 2
    assert transport.writes[1] == b"hello /x"


async def test_pipelined_responses_keep_their_order() -> None:
    second = GET.replace(b"/x", b"/y")
    transport = await serve_bytes(CoalescingHttpToolsProtocol, plain, GET + second)

    sent = b"".join(transport.writes)
    assert sent.count(b"HTTP/1.1 200 OK") == 2
    assert sent.index(b"hello /x") < sent.index(b"hello /y")
    assert sent.endswith(b"hello /y")


async def test_connection_close_writes_the_response_before_closing() -> None:
    request = GET.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
    transport = await serve_bytes(CoalescingHttpToolsProtocol, plain, request)

    assert transport.events[:2] == ["write", "close"]
    assert transport.writes[0].endswith(b"hello /x")


async def test_a_streamed_body_still_leaves_chunk_by_chunk() -> None:
    transport = await serve_bytes(CoalescingHttpToolsProtocol, streamed, GET)

    sent = b"".join(transport.writes)
    assert sent.endswith(b"3\r\none\r\n3\r\ntwo\r\n5\r\nthree\r\n0\r\n\r\n")
    assert len(transport.writes) == 3  # head with "one", then "two", then "three" and the end
    assert transport.writes[0].endswith(b"3\r\none\r\n")


async def test_nothing_is_written_to_a_transport_already_closing() -> None:
    inner = RecordingTransport()
    outer = CoalescingTransport(inner, asyncio.get_running_loop())
    outer.write(b"held")
    inner.closing = True  # the peer went away before the turn ended
    await asyncio.sleep(0)

    assert inner.writes == []
    assert outer.get_write_buffer_size() == 0


async def test_abort_drops_what_is_held() -> None:
    inner = RecordingTransport()
    outer = CoalescingTransport(inner, asyncio.get_running_loop())
    outer.writelines([b"a", b"b"])
    assert outer.get_write_buffer_size() == 2
    outer.abort()
    await asyncio.sleep(0)

    assert inner.events == ["abort"]


def test_serve_runs_uvicorn_on_this_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    serve._uvicorn(Settings())

    assert seen["http"] == PROTOCOL
    assert import_from_string(PROTOCOL) is CoalescingHttpToolsProtocol


async def test_a_large_body_is_written_at_once_so_backpressure_still_applies() -> None:
    inner = RecordingTransport()
    outer = CoalescingTransport(inner, asyncio.get_running_loop())
    chunk = b"x" * (HOLD_LIMIT // 2 + 1)
    outer.write(chunk)
    assert inner.writes == []
    outer.write(chunk)  # past the limit: written now, not at the end of the turn

    assert inner.writes == [chunk + chunk]
    assert outer.get_write_buffer_size() == 0
    outer.write(b"tail")
    await asyncio.sleep(0)
    assert inner.writes[-1] == b"tail"
