"""A face's route table: fixed paths by lookup, the rest through Starlette, errors mapped."""

from __future__ import annotations

import httpx
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bastion.faces._shared.dispatch import RouteTable
from bastion.faces._shared.errors import http_error


class Base(Exception):
    pass


class Specific(Base):
    pass


async def fixed(_request: Request) -> Response:
    return PlainTextResponse("fixed")


async def with_param(request: Request) -> Response:
    return PlainTextResponse("param " + request.path_params["uid"])


async def boom(_request: Request) -> Response:
    raise Specific("x")


async def on_base(_request: Request, _exc: Exception) -> Response:
    return PlainTextResponse("base", 418)


async def on_specific(_request: Request, _exc: Exception) -> Response:
    return PlainTextResponse("specific", 409)


TABLE = RouteTable(
    [
        Route("/fixed", fixed, methods=["GET"]),
        Route("/item/{uid}", with_param, methods=["GET"]),
        Route("/boom", boom, methods=["POST"]),
    ],
    {Base: on_base, Specific: on_specific, HTTPException: http_error},
)


async def test_dispatch() -> None:
    transport = httpx.ASGITransport(app=TABLE)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/fixed")).text == "fixed"
        assert (await client.head("/fixed")).status_code == 200
        assert (await client.get("/item/42")).text == "param 42"
        wrong = await client.post("/fixed")
        assert wrong.status_code == 405
        assert wrong.headers["allow"] == "GET, HEAD"
        assert wrong.json()["error"] == "method_not_allowed"
        missing = await client.get("/nothing")
        assert missing.status_code == 404
        assert missing.json()["error"] == "not_found"
        raised = await client.post("/boom")
        assert (raised.status_code, raised.text) == (409, "specific")  # most specific handler
    assert set(TABLE.endpoints()) == {"/fixed", "/boom"}
