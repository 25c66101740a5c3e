"""The composition root: builds the container, mounts each face's route table and error map,
and installs the request middleware. The only module that sees every layer."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Mount, Route
from starlette.types import Receive, Scope, Send

from bastion.container import Container
from bastion.faces._shared.dispatch import IssuerMount, first_segments
from bastion.faces._shared.errors import oauth_body
from bastion.faces._shared.http import json_response
from bastion.faces.oidc.handlers import discovery
from bastion.faces.oidc.mount import issuer_app
from bastion.faces.oidc.wire import BUILDER, STANDARD
from bastion.faces.operations import routes as operations
from bastion.oauth.models import IssuerContext
from bastion.ops import metrics
from bastion.ops.access_log import ACCESS_LOG
from bastion.ops.gc_tuning import settle_after_start
from bastion.ops.logging import configure_logging
from bastion.ops.memory import return_large_blocks
from bastion.ops.middleware import RequestContext
from bastion.ops.periodic import Periodic
from bastion.settings import Settings
from bastion.ui.routes import ROUTES as UI_ROUTES

log = logging.getLogger("bastion")


async def _internal_error(exc: Exception) -> Response:
    log.error("unhandled error", exc_info=exc)
    return json_response(oauth_body("server_error", "internal error"), 500)


async def _server_error(_request: Request, exc: Exception) -> Response:
    return await _internal_error(exc)


class BastionApp(Starlette):
    """Starlette, except that requests for an app issuer (``/<app-slug>/...``: the token,
    introspection, revocation, discovery and JWKS endpoints) are taken before its middleware
    stack and router by the issuer mount, inside the same request context, with the same
    answer to an unhandled error. Paths the mount declines go to the router, whose ordinary
    ``Mount("/{app_slug}")`` comes last. Measured side by side (two workers): 4% less CPU per
    JWKS or introspection request."""

    def __init__(self, *, issuer_mount: IssuerMount, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.issuer_mount = issuer_mount
        self._issuers = RequestContext(issuer_mount.app, on_error=_internal_error)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            match, child = self.issuer_mount.matches(scope)
            if match is Match.FULL:
                scope["app"] = self
                scope.update(child)
                await self._issuers(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def build_app(container: Container) -> BastionApp:
    issuers = container.issuers

    async def platform(_scope: Scope) -> IssuerContext | None:
        return await issuers.platform()

    async def by_slug(scope: Scope) -> IssuerContext | None:
        return await issuers.for_app_slug(str(scope["path_params"].get("app_slug", "")))

    fixed = [
        *operations.ROUTES,
        Route(
            "/.well-known/oauth-authorization-server/{issuer_path:path}",
            discovery.rfc8414_metadata,
            methods=["GET"],
        ),
        *UI_ROUTES,
        Mount("/api/v1/oidc", app=issuer_app(platform, BUILDER)),
    ]
    apps = issuer_app(by_slug, STANDARD)
    # The app issuers take every other first path segment: by segment in BastionApp, before
    # the router, and by the ordinary mount last for whatever that shortcut declines.
    shortcut = IssuerMount(apps, reserved=first_segments(fixed))
    routes = [*fixed, Mount("/{app_slug}", app=apps)]

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await container.start()
        settle_after_start()
        tallies = Periodic("metrics", metrics.FLUSH_INTERVAL, metrics.flush_periodically)
        tallies.start()
        try:
            yield
        finally:
            await tallies.stop()
            metrics.flush()
            await container.close()
            ACCESS_LOG.flush()

    app = BastionApp(
        issuer_mount=shortcut,
        routes=routes,
        middleware=[Middleware(RequestContext)],
        exception_handlers={Exception: _server_error},
        lifespan=lifespan,
    )
    app.state.container = container
    return app


def create_app() -> BastionApp:
    """Uvicorn factory: settings from the environment, one container per worker process."""
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format.value)
    return_large_blocks()  # argon2id's working memory goes back to the system after each hash
    return build_app(Container.build(settings))
