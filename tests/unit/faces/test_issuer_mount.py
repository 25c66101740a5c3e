"""The issuer mount's shortcut: every path ends where Starlette's ordinary routing, with the
issuer mount last, would have sent it."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Receive, Scope, Send

from bastion.faces._shared.dispatch import IssuerMount, first_segments, route_path


async def issuer(scope: Scope, receive: Receive, send: Send) -> None:
    seen = {
        "app_slug": scope["path_params"].get("app_slug"),
        "root_path": scope.get("root_path"),
        "app_root_path": scope.get("app_root_path"),
        "route_path": route_path(scope),
        "endpoint": scope.get("endpoint") is issuer,
    }
    await JSONResponse(seen)(scope, receive, send)


async def page(request: Request) -> Response:
    return PlainTextResponse("page " + str(request.path_params))


FIXED: list[BaseRoute] = [
    Route("/healthz", page),
    Route("/login/{interaction_id}", page, methods=["GET", "POST"]),
    Route("/.well-known/oauth-authorization-server/{rest:path}", page),
    Mount("/api/v1/oidc", app=issuer),
]
PATHS = [
    "/demo/token",
    "/demo/token/introspection",
    "/demo/.well-known/openid-configuration",
    "/demo/",
    "/demo",
    "/healthz",
    "/healthz/x",
    "/login/abc",
    "/login/abc/unknown",
    "/login",
    "/api/v1/oidc/token",
    "/api/other",
    "/.well-known/oauth-authorization-server/demo",
    "/.well-known/other",
    "//token",
    "/a%2Fb/token",
    "/caf%C3%A9/jwks",
]


def apps() -> tuple[Starlette, Starlette]:
    plain = Starlette(routes=[*FIXED, Mount("/{app_slug}", app=issuer)])
    shortcut = Starlette(
        routes=[
            IssuerMount(issuer, reserved=first_segments(FIXED)),
            *FIXED,
            Mount("/{app_slug}", app=issuer),
        ]
    )
    return plain, shortcut


async def answers(app: Starlette, path: str, root_path: str) -> tuple[int, str, str | None]:
    transport = httpx.ASGITransport(app=app, root_path=root_path)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get(root_path + path, follow_redirects=False)
    return response.status_code, response.text, response.headers.get("location")


@pytest.mark.parametrize("root_path", ["", "/behind-a-proxy"])
async def test_every_path_ends_where_it_did_without_the_shortcut(root_path: str) -> None:
    plain, shortcut = apps()
    for path in PATHS:
        assert await answers(shortcut, path, root_path) == await answers(plain, path, root_path), (
            path
        )


async def test_issuer_paths_are_taken_by_the_first_route() -> None:
    _, shortcut = apps()
    first = shortcut.router.routes[0]
    assert isinstance(first, IssuerMount)
    scope = {"type": "http", "path": "/demo/token", "root_path": "", "path_params": {}}
    _, child = first.matches(scope)
    assert child["path_params"] == {"app_slug": "demo"} and child["root_path"] == "/demo"
    for declined in ("/login/abc", "/demo", "//x", "/healthz"):
        assert first.matches({**scope, "path": declined})[1] == {}, declined


def test_first_segments_need_literal_first_segments() -> None:
    assert first_segments(FIXED) == {"healthz", "login", ".well-known", "api"}
    with pytest.raises(ValueError):
        first_segments([Route("/{slug}/x", page)])
