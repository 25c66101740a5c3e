"""GET {issuer}/.well-known/openid-configuration and /.well-known/oauth-authorization-server."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.crypto.encoding import json_dumps
from bastion.domain.errors import NotFound
from bastion.faces._shared.context import container_of, issuer_of
from bastion.faces._shared.errors import oauth_body
from bastion.faces._shared.http import json_response
from bastion.oauth.endpoints.discovery import metadata
from bastion.oauth.models import IssuerContext

PUBLIC = {"access-control-allow-origin": "*", "cache-control": "public, max-age=300"}
MAX_RENDERED = 1024

# The serialised document of each issuer context. A context is immutable and replaced when its
# issuer changes (key rotation, configuration), so the document is rendered once per context.
_rendered: dict[int, tuple[IssuerContext, bytes]] = {}


def rendered_metadata(ctx: IssuerContext) -> bytes:
    hit = _rendered.get(id(ctx))
    if hit is not None and hit[0] is ctx:
        return hit[1]
    body = json_dumps(metadata(ctx))
    if len(_rendered) >= MAX_RENDERED:
        _rendered.clear()
    _rendered[id(ctx)] = (ctx, body)
    return body


def _document(ctx: IssuerContext) -> Response:
    return Response(rendered_metadata(ctx), headers=PUBLIC, media_type="application/json")


async def openid_configuration(request: Request) -> Response:
    return _document(issuer_of(request))


async def oauth_authorization_server(request: Request) -> Response:
    return _document(issuer_of(request))


async def rfc8414_metadata(request: Request) -> Response:
    """GET /.well-known/oauth-authorization-server/<issuer path> (RFC 8414 §3.1)."""
    container = container_of(request)
    path = str(request.path_params.get("issuer_path", "")).strip("/")
    ctx = await container.issuers.issuer_by_url(f"{container.settings.public_url}/{path}")
    if ctx is None:
        return json_response(oauth_body(NotFound.code, "Not Found"), 404)
    return _document(ctx)
