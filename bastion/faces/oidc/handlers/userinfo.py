"""GET/POST {issuer}/me: the OpenID Connect UserInfo endpoint, with a bearer token in the
Authorization header (RFC 6750 §2.1) or, for POST, the form body (§2.2)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.faces._shared.context import container_of, issuer_of
from bastion.faces._shared.http import (
    FORM,
    NO_STORE,
    header,
    json_response,
    media_type,
    read_form,
)
from bastion.oauth.endpoints.userinfo import userinfo_endpoint
from bastion.oauth.errors import InvalidRequest


async def _bearer(request: Request) -> str | None:
    authorization = header(request, b"authorization") or ""
    scheme, _, value = authorization.partition(" ")
    from_header = value.strip() if scheme.lower() == "bearer" else None
    from_body = None
    if request.method == "POST" and media_type(request)[0] == FORM:
        params = await read_form(request, container_of(request).settings.max_body_bytes)
        from_body = params.get("access_token")
    if from_header and from_body:
        raise InvalidRequest("send the access token once")
    return from_header or from_body


async def userinfo(request: Request) -> Response:
    claims = await userinfo_endpoint(
        await _bearer(request), issuer_of(request), container_of(request).engine
    )
    return json_response(claims, headers={**NO_STORE, "access-control-allow-origin": "*"})
