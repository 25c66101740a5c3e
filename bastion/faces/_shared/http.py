"""Reading request bodies within a size limit, and writing JSON responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from starlette.requests import ClientDisconnect, Request
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
HEADERS_KEY = "bastion.headers"


def header(request: Request, name: bytes) -> str | None:
    """The first value of the header ``name`` (given in lower case, as servers pass header
    names), as ``request.headers.get`` gives it, from a dict of the headers made once per
    request: the token endpoints read three headers on every call."""
    scope = request.scope
    by_name: dict[bytes, bytes] | None = scope.get(HEADERS_KEY)
    if by_name is None:
        by_name = scope[HEADERS_KEY] = dict(reversed(scope["headers"]))  # the first one wins
    value = by_name.get(name)
    return None if value is None else value.decode("latin-1")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused past ``limit`` bytes; read once, then kept on the scope."""
    kept: bytes | None = request.scope.get(BODY_KEY)
    if kept is not None:
        return kept
    declared = header(request, b"content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InvalidRequest("malformed Content-Length")
        if int(declared) > limit:
            raise BodyTooLarge(limit)
    # Straight from ``receive``: Starlette's ``stream()`` is an async generator, whose
    # machinery costs more than reading the one message a small form arrives in.
    receive = request.receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect()
        chunk: bytes = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(limit)
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)  # one chunk: that very object, not a copy
    request.scope[BODY_KEY] = body
    return body


def media_type(request: Request) -> tuple[str, dict[str, str]]:
    raw = header(request, b"content-type") or ""
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
    if header(request, b"content-type") != FORM:  # else, parameters or another type
        mime, options = media_type(request)
        if mime != FORM:
            raise InvalidRequest(f"the request body must be {FORM}")
        if options.get("charset", "utf-8") not in ("utf-8", "utf8"):
            raise InvalidRequest("the request body must be UTF-8")
    body = await read_body(request, limit)
    try:
        return parse_urlencoded(body, max_fields)
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest("the request body is not valid form data") from None


def parse_urlencoded(body: bytes, max_fields: int = MAX_FIELDS) -> list[tuple[str, str]]:
    """The name/value pairs of a UTF-8 ``application/x-www-form-urlencoded`` body (URL
    Standard §5.1): split on ``&``, empty pieces skipped, a piece without ``=`` a name with an
    empty value, ``+`` a space, percent-escapes decoded. Raises ValueError past ``max_fields``
    pieces and UnicodeDecodeError when the bytes, or the bytes an escape stands for, are not
    UTF-8. What ``urllib.parse.parse_qsl`` gives, at half its cost on the one-field bodies
    revocation and introspection get."""
    text = body.decode("utf-8")
    if text.count("&") >= max_fields:
        raise ValueError("too many fields")
    pairs = []
    for piece in text.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            pairs.append((_form_unescape(name), _form_unescape(value)))
    return pairs


def _form_unescape(text: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    return unquote(text, errors="strict") if "%" in text else text


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
    client = request.scope.get("client")
    return str(client[0]) if client else None
