"""One ASGI middleware for every request: a request id (kept from a sane ``X-Request-Id`` or
made up), an access log line, and the request metrics.

This runs on every request, so it does only cheap things: made-up ids are a per-process random
prefix and a counter (unique, not secret), metric children are looked up once per label set,
and access lines go through :mod:`bastion.ops.access_log` rather than :mod:`logging`.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bastion.ops import metrics
from bastion.ops.access_log import ACCESS_LOG
from bastion.ops.logging import request_id_var

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_PREFIX = os.urandom(4).hex()
_COUNTER = itertools.count(1)


def new_request_id() -> str:
    """16 hex characters: this process's random prefix, then a counter."""
    return f"{_PREFIX}{next(_COUNTER) & 0xFFFFFFFF:08x}"


def _endpoint_name(scope: Scope) -> str:
    endpoint: Any = scope.get("endpoint")
    if endpoint is None:
        return "unmatched"
    return str(getattr(endpoint, "__name__", "asgi"))


ErrorAnswer = Callable[[Exception], Awaitable[ASGIApp]]


class RequestContext:
    """Given ``on_error``, an exception that escapes before the response has started is
    answered with what ``on_error`` returns (else it propagates to the layer outside)."""

    def __init__(self, app: ASGIApp, *, on_error: ErrorAnswer | None = None) -> None:
        self.app = app
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else new_request_id()
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        responded = False
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if self.on_error is None or responded:
                raise
            answer = await self.on_error(exc)
            await answer(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            metrics.observe_request(_endpoint_name(scope), scope["method"], status, elapsed)
            if ACCESS_LOG.enabled():
                client = scope.get("client")
                ACCESS_LOG.record(
                    request_id,
                    scope["method"],
                    scope["path"][:512],
                    status,
                    round(elapsed * 1000, 2),
                    client[0] if client else None,
                )
            request_id_var.reset(token)
