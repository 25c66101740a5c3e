"""Reading request bodies, form fields, headers and Basic credentials the cheap way, with the
same answers as the general tools they replace on the token endpoints."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import parse_qsl

import pytest
from starlette.requests import ClientDisconnect, Request

from bastion.faces._shared.client_auth import client_credentials
from bastion.faces._shared.http import (
    BodyTooLarge,
    header,
    parse_urlencoded,
    read_body,
    read_urlencoded,
)
from bastion.oauth.errors import InvalidClient, InvalidRequest
from bastion.oauth.params import Params

PIECES = ["a", "b", "token", "=", "&", "+", "%", "%2", "%20", "%26", "%3D", "%C3%A9", "%C3",
          "%FF", "%zz", "é", "ß", " ", ";", "&&", "=="]  # fmt: skip


def _qsl(body: bytes, max_fields: int) -> Any:
    try:
        return parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            max_num_fields=max_fields,
            encoding="utf-8",
            errors="strict",
        )
    except (UnicodeDecodeError, ValueError) as exc:
        return type(exc)


def _ours(body: bytes, max_fields: int) -> Any:
    try:
        return parse_urlencoded(body, max_fields)
    except (UnicodeDecodeError, ValueError) as exc:
        return type(exc)


def test_form_parsing_agrees_with_parse_qsl_on_random_bodies() -> None:
    rng = random.Random(7009)
    bodies = [b"", b"&", b"=", b"a", b"a=", b"=a", b"a=b=c", b"a=1&&b=2&", b"x=\xff", b"q=%e9"]
    for _ in range(5000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12)))
        bodies.append(text.encode("utf-8"))
    errors = 0
    for body in bodies:
        expected = _qsl(body, 5)
        assert _ours(body, 5) == expected, body
        errors += expected in (UnicodeDecodeError, ValueError)
    assert 0 < errors < len(bodies)  # the corpus has good and bad bodies


def test_form_field_limit_is_parse_qsl_s() -> None:
    assert parse_urlencoded(b"a=1&b=2&c=3", 3) == [("a", "1"), ("b", "2"), ("c", "3")]
    with pytest.raises(ValueError):
        parse_urlencoded(b"a=1&b=2&c=3&", 3)


def _request(
    headers: list[tuple[bytes, bytes]], messages: list[dict[str, Any]] | None = None
) -> Request:
    queue = list(messages or [])

    async def receive() -> dict[str, Any]:
        return queue.pop(0)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    return Request(scope, receive)


def test_header_is_the_first_of_its_name_or_none() -> None:
    request = _request([(b"authorization", b"Basic one"), (b"authorization", b"Basic two")])
    assert header(request, b"authorization") == "Basic one"
    assert request.headers.get("authorization") == "Basic one"  # as Starlette answers
    assert header(request, b"content-type") is None


async def test_body_is_joined_from_its_messages_and_kept() -> None:
    request = _request(
        [(b"content-type", b"application/x-www-form-urlencoded")],
        [
            {"type": "http.request", "body": b"a=1&", "more_body": True},
            {"type": "http.request", "body": b"", "more_body": True},
            {"type": "http.request", "body": b"b=%C3%A9+x", "more_body": False},
        ],
    )
    assert await read_urlencoded(request, 100) == [("a", "1"), ("b", "é x")]
    assert await read_body(request, 100) == b"a=1&b=%C3%A9+x"  # kept, not read again


async def test_body_past_the_limit_or_cut_short_is_refused() -> None:
    chunks = [{"type": "http.request", "body": b"x" * 60, "more_body": True}] * 2
    with pytest.raises(BodyTooLarge):
        await read_body(_request([], chunks), 100)
    with pytest.raises(BodyTooLarge):
        await read_body(_request([(b"content-length", b"101")]), 100)
    with pytest.raises(InvalidRequest):
        await read_body(_request([(b"content-length", b"1e3")]), 100)
    cut = [{"type": "http.request", "body": b"a=", "more_body": True}, {"type": "http.disconnect"}]
    with pytest.raises(ClientDisconnect):
        await read_body(_request([], cut), 100)


async def test_form_media_type_and_charset_are_checked() -> None:
    body = [{"type": "http.request", "body": b"a=1", "more_body": False}]
    spelled = [(b"content-type", b"Application/X-WWW-Form-Urlencoded; charset=UTF-8")]
    assert await read_urlencoded(_request(spelled, list(body)), 100) == [("a", "1")]
    for value in (b"application/json", b"application/x-www-form-urlencoded; charset=latin-1"):
        with pytest.raises(InvalidRequest):
            await read_urlencoded(_request([(b"content-type", value)], list(body)), 100)
    with pytest.raises(InvalidRequest):
        await read_urlencoded(_request([], list(body)), 100)


@pytest.mark.parametrize(
    "value",
    ["Basic YWJjOmRlZg", "Basic YWJj OmRlZg==", "Basic YWJjOmRlZg===", "Basic =YWJj",
     "Basic YW-jOmRlZg==", "Basic YWJjZGVm", "Basic OmRlZg==", "Basic w6k6eA==é"],
)  # fmt: skip
def test_malformed_basic_credentials_are_invalid_client(value: str) -> None:
    request = _request([(b"authorization", value.encode("utf-8"))])
    with pytest.raises(InvalidClient):
        client_credentials(request, Params([]))


def test_basic_credentials_are_decoded() -> None:
    request = _request([(b"authorization", b"basic YSUzQWI6cyUyNWVjcmV0")])  # a%3Ab:s%25ecret
    credentials = client_credentials(request, Params([]))
    assert (credentials.client_id, credentials.client_secret) == ("a:b", "s%ecret")
    assert credentials.method == "client_secret_basic"
