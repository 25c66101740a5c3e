"""Dispatching a face's route table: one dictionary lookup for fixed paths, and finding the
issuer mount without trying every other route first.

Starlette's router tries each route's regular expression in turn and wraps every endpoint in
two more exception layers; on endpoints that answer in tens of microseconds that is a large
share of the work. A :class:`RouteTable` takes the same ``Route`` list: plain async endpoints on
fixed paths are found by path and method in a dictionary and their errors mapped by the face's
handlers here; any other route (path parameters, mounts, ASGI apps) goes to a Starlette router
built from the rest, so a face can add such routes to its table unchanged.

At the top level, a request for ``/<app-slug>/...`` would otherwise be matched against every
hosted-page and operations route's regular expression before it reaches the issuer mount,
which comes last. :class:`IssuerMount` goes first and takes such a request by its first path
segment alone, declining the segments other routes own.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from bastion.faces._shared.errors import not_found_app

ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def route_path(scope: Scope) -> str:
    """The path below the mount point (as Starlette's routes see it)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        rest = path[len(root) :]
        if rest == "" or rest[0] == "/":
            return rest
    return path


class RouteTable:
    def __init__(
        self, routes: Sequence[BaseRoute], handlers: dict[type[Exception] | int, ErrorHandler]
    ) -> None:
        self._fixed: dict[str, dict[str, Endpoint]] = {}
        others: list[BaseRoute] = []
        for route in routes:
            if (
                isinstance(route, Route)
                and not route.param_convertors
                and inspect.iscoroutinefunction(route.endpoint)
            ):
                methods = self._fixed.setdefault(route.path, {})
                for method in route.methods or ("GET", "HEAD"):
                    methods[method] = route.endpoint
            else:
                others.append(route)
        self._handlers = {k: v for k, v in handlers.items() if isinstance(k, type)}
        self._fallback: ASGIApp = ExceptionMiddleware(
            Router(routes=others, redirect_slashes=False, default=not_found_app),
            handlers=handlers,
        )

    def _handler_for(self, exc: Exception) -> ErrorHandler | None:
        for kind in type(exc).__mro__:  # the most specific handler, as Starlette picks it
            handler = self._handlers.get(kind)
            if handler is not None:
                return handler
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        methods = self._fixed.get(route_path(scope)) if scope["type"] == "http" else None
        if methods is None:
            await self._fallback(scope, receive, send)
            return
        request = Request(scope, receive, send)
        endpoint = methods.get(scope["method"])
        try:
            if endpoint is None:
                allow = ", ".join(sorted(methods))
                raise HTTPException(405, headers={"allow": allow})
            scope["endpoint"] = endpoint
            response = await endpoint(request)
        except Exception as exc:
            handler = self._handler_for(exc)
            if handler is None:
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)

    def endpoints(self) -> dict[str, dict[str, Any]]:
        """The fixed routes, for tests and introspection."""
        return {path: dict(methods) for path, methods in self._fixed.items()}


class IssuerMount(Mount):
    """``Mount("/{app_slug}", app)`` matched by the first path segment, without a regex.

    It declines (``Match.NONE``) any path whose first segment is in ``reserved`` (the literal
    first segments of the other top-level routes) and any path it cannot split as the mount's
    own pattern would; put an ordinary ``Mount("/{app_slug}", app)`` last to take those, so
    every path ends where it ended without this shortcut.
    """

    def __init__(self, app: ASGIApp, *, reserved: frozenset[str]) -> None:
        super().__init__("/{app_slug}", app=app)
        self.reserved = reserved

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        path = route_path(scope)
        slash = path.find("/", 1)
        if slash < 2 or path[0] != "/" or "\n" in path:
            return Match.NONE, {}
        slug = path[1:slash]
        if slug in self.reserved:
            return Match.NONE, {}
        root = scope.get("root_path", "")
        params = dict(scope.get("path_params", {}))
        params["app_slug"] = slug
        return Match.FULL, {
            "path_params": params,
            "app_root_path": scope.get("app_root_path", root),
            "root_path": root + path[:slash],
            "endpoint": self.app,
        }


def first_segments(routes: Sequence[BaseRoute]) -> frozenset[str]:
    """The literal first path segments of ``routes`` (for :class:`IssuerMount`)."""
    found = set()
    for route in routes:
        path = str(getattr(route, "path", ""))
        segment = path.lstrip("/").split("/", 1)[0]
        if not segment or "{" in segment:
            raise ValueError(f"route {path!r} has no literal first segment")
        found.add(segment)
    return frozenset(found)
