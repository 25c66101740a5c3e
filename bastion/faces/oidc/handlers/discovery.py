"""GET {issuer}/.well-known/openid-configuration and /.well-known/oauth-authorization-server."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.domain.errors import NotFound
from bastion.faces._shared.context import container_of, issuer_of
from bastion.faces._shared.errors import oauth_body
from bastion.faces._shared.http import json_response
from bastion.oauth.endpoints.discovery import metadata

PUBLIC = {"access-control-allow-origin": "*", "cache-control": "public, max-age=300"}


async def openid_configuration(request: Request) -> Response:
    return json_response(metadata(issuer_of(request)), headers=PUBLIC)


async def oauth_authorization_server(request: Request) -> Response:
    return json_response(metadata(issuer_of(request)), headers=PUBLIC)


async def rfc8414_metadata(request: Request) -> Response:
    """GET /.well-known/oauth-authorization-server/<issuer path> (RFC 8414 §3.1)."""
    container = container_of(request)
    path = str(request.path_params.get("issuer_path", "")).strip("/")
    ctx = await container.issuers.issuer_by_url(f"{container.settings.public_url}/{path}")
    if ctx is None:
        return json_response(oauth_body(NotFound.code, "Not Found"), 404)
    return json_response(metadata(ctx), headers=PUBLIC)
