"""POST {issuer}/device/auth: the device authorization endpoint (RFC 8628 §3.1)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.faces._shared.context import container_of, issuer_of
from bastion.faces._shared.http import NO_STORE, json_response
from bastion.faces.oidc.handlers.token import decode
from bastion.oauth.endpoints.device_authorization import device_authorization_endpoint


async def device_authorization(request: Request) -> Response:
    req = await decode(request)
    body = await device_authorization_endpoint(
        req, issuer_of(request), container_of(request).engine
    )
    return json_response(body, headers=NO_STORE)
