"""GET {issuer}/jwks."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.faces._shared.context import issuer_of
from bastion.faces.oidc.handlers.discovery import PUBLIC
from bastion.oauth.endpoints.jwks import jwks_document


async def jwks(request: Request) -> Response:
    return Response(
        jwks_document(issuer_of(request)), headers=PUBLIC, media_type="application/json"
    )
