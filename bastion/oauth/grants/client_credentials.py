"""The client credentials grant (RFC 6749 §4.4) issuing RFC 9068 JWT access tokens.

No database write happens here: the token is a signed JWT whose ``sub`` is the client itself.
"""

from __future__ import annotations

from bastion.oauth.access_token import issue_access_token
from bastion.oauth.audience import allowed_audiences, check_audiences, requested_audiences
from bastion.oauth.engine import EndpointRequest, Engine
from bastion.oauth.errors import UnauthorizedClient
from bastion.oauth.models import Client, IssuerContext, TokenResponse
from bastion.oauth.scope import grant_scope


async def handle(
    req: EndpointRequest, client: Client, ctx: IssuerContext, engine: Engine
) -> TokenResponse:
    if not client.confidential:
        raise UnauthorizedClient("public clients cannot use client_credentials")
    scope = grant_scope(req.params.get("scope"), client.scopes, client.default_scopes)
    audiences = check_audiences(
        requested_audiences(req.params) or [ctx.default_audience],
        allowed_audiences(ctx, client),
    )
    issued = issue_access_token(
        ctx,
        engine.jti_tags,
        subject=client.client_id,
        client_id=client.client_id,
        scope=scope,
        audiences=audiences,
        now=engine.clock(),
    )
    return TokenResponse(access_token=issued.token, expires_in=issued.expires_in, scope=scope)
