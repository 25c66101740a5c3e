"""Reading request bodies within a size limit, and writing JSON responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from bastion.crypto.encoding import json_dumps
from bastion.oauth.errors import InvalidRequest
from bastion.oauth.params import Params

NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}
FORM = "application/x-www-form-urlencoded"
MAX_FIELDS = 100


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body is larger than {limit} bytes")
        self.limit = limit


BODY_KEY = "bastion.body"


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused past ``limit`` bytes; read once, then kept on the scope."""
    kept: bytes | None = request.scope.get(BODY_KEY)
    if kept is not None:
        return kept
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InvalidRequest("malformed Content-Length")
        if int(declared) > limit:
            raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    request.scope[BODY_KEY] = body
    return body


def media_type(request: Request) -> tuple[str, dict[str, str]]:
    raw = request.headers.get("content-type", "")
    mime, _, rest = raw.partition(";")
    params = {}
    for part in rest.split(";"):
        key, _, value = part.partition("=")
        if key.strip():
            params[key.strip().lower()] = value.strip().strip('"').lower()
    return mime.strip().lower(), params


async def read_urlencoded(
    request: Request, limit: int, max_fields: int = MAX_FIELDS
) -> list[tuple[str, str]]:
    """The name/value pairs of an ``application/x-www-form-urlencoded`` UTF-8 body, read within
    ``limit`` bytes (BodyTooLarge) and refused with InvalidRequest when malformed."""
    mime, options = media_type(request)
    if mime != FORM:
        raise InvalidRequest(f"the request body must be {FORM}")
    if options.get("charset", "utf-8") not in ("utf-8", "utf8"):
        raise InvalidRequest("the request body must be UTF-8")
    body = await read_body(request, limit)
    try:
        return parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            max_num_fields=max_fields,
            encoding="utf-8",
            errors="strict",
        )
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest("the request body is not valid form data") from None


async def read_form(request: Request, limit: int) -> Params:
    """An OAuth request body as :class:`Params` (RFC 6749 §3.2)."""
    return Params(await read_urlencoded(request, limit))


def json_response(
    body: Mapping[str, Any] | list[Any],
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return Response(json_dumps(body), status, headers=headers, media_type="application/json")


def remote_addr(request: Request) -> str | None:
    return request.client.host if request.client else None
