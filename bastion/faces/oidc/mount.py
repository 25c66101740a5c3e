"""An ASGI app serving the standard face for one kind of issuer: it resolves the issuer from the
path first (unknown issuers get the same 404 as unknown paths), then routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from bastion.faces._shared.context import ISSUER_KEY, OPTIONS_KEY
from bastion.faces._shared.cors import with_cors
from bastion.faces._shared.dispatch import RouteTable
from bastion.faces._shared.errors import not_found_app
from bastion.faces.oidc.errors import HANDLERS
from bastion.faces.oidc.routes import ROUTES
from bastion.faces.oidc.wire import BROWSER_PATHS, FaceOptions
from bastion.oauth.models import IssuerContext

ResolveIssuer = Callable[[Scope], Awaitable[IssuerContext | None]]


def issuer_app(resolve: ResolveIssuer, options: FaceOptions) -> ASGIApp:
    app = with_cors(RouteTable(ROUTES, HANDLERS), BROWSER_PATHS)

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        ctx = await resolve(scope) if scope["type"] == "http" else None
        if ctx is None:
            await not_found_app(scope, receive, send)
            return
        scope[ISSUER_KEY] = ctx
        scope[OPTIONS_KEY] = options
        await app(scope, receive, send)

    return serve
