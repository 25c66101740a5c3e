"""What a handler needs from the request scope: the container, and the issuer its mount resolved."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from bastion.oauth.models import IssuerContext

if TYPE_CHECKING:
    from bastion.container import Container

ISSUER_KEY = "bastion.issuer"
OPTIONS_KEY = "bastion.face_options"


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def issuer_of(request: Request) -> IssuerContext:
    ctx: IssuerContext = request.scope[ISSUER_KEY]
    return ctx


def face_option(request: Request, name: str, default: Any = None) -> Any:
    options = request.scope.get(OPTIONS_KEY)
    return getattr(options, name, default) if options is not None else default
