"""POST {issuer}/token, {issuer}/token/introspection and {issuer}/token/revocation."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.faces._shared.client_auth import client_credentials
from bastion.faces._shared.context import container_of, issuer_of
from bastion.faces._shared.http import NO_STORE, json_response, read_form, remote_addr
from bastion.oauth.endpoints.introspection import introspection_endpoint
from bastion.oauth.endpoints.revocation import revocation_endpoint
from bastion.oauth.endpoints.token import token_endpoint
from bastion.oauth.engine import EndpointRequest
from bastion.ops import metrics

# RFC 7009 §2.2: the same answer whether or not there was anything to revoke. Built once: a
# response object is only read when sent (the middlewares copy its headers to add theirs).
REVOKED = Response(status_code=200, headers=NO_STORE)


async def decode(request: Request) -> EndpointRequest:
    params = await read_form(request, container_of(request).settings.max_body_bytes)
    return EndpointRequest(params, client_credentials(request, params), remote_addr(request))


async def token(request: Request) -> Response:
    req = await decode(request)
    result = await token_endpoint(req, issuer_of(request), container_of(request).engine)
    metrics.count(metrics.TOKENS, req.params.get("grant_type") or "")
    return json_response(result.to_dict(), headers=NO_STORE)


async def introspect(request: Request) -> Response:
    req = await decode(request)
    body = await introspection_endpoint(req, issuer_of(request), container_of(request).engine)
    return json_response(body, headers=NO_STORE)


async def revoke(request: Request) -> Response:
    req = await decode(request)
    await revocation_endpoint(req, issuer_of(request), container_of(request).engine)
    return REVOKED
