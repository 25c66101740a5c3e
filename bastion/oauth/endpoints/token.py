"""The token endpoint (RFC 6749 §3.2): authenticate the client, then hand the request to the
handler registered for its ``grant_type``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bastion.oauth import token_types
from bastion.oauth.client_auth import authenticate_client
from bastion.oauth.engine import EndpointRequest, Engine
from bastion.oauth.errors import UnauthorizedClient, UnsupportedGrantType
from bastion.oauth.grants import client_credentials, token_exchange
from bastion.oauth.models import Client, IssuerContext, TokenResponse

GrantHandler = Callable[[EndpointRequest, Client, IssuerContext, Engine], Awaitable[TokenResponse]]

GRANTS: dict[str, GrantHandler] = {
    token_types.GRANT_CLIENT_CREDENTIALS: client_credentials.handle,
    token_types.GRANT_TOKEN_EXCHANGE: token_exchange.handle,
}

# Grants a public client may use (it proves nothing but its client_id).
PUBLIC_GRANTS = frozenset(
    {
        token_types.GRANT_AUTHORIZATION_CODE,
        token_types.GRANT_REFRESH_TOKEN,
        token_types.GRANT_DEVICE_CODE,
    }
)


def register_grant(grant_type: str, handler: GrantHandler) -> None:
    GRANTS[grant_type] = handler


async def token_endpoint(req: EndpointRequest, ctx: IssuerContext, engine: Engine) -> TokenResponse:
    grant_type = req.params.require("grant_type")
    handler = GRANTS.get(grant_type)
    if handler is None or grant_type not in ctx.grant_types:
        raise UnsupportedGrantType(f"grant_type '{grant_type[:80]}' is not supported here")
    client = await authenticate_client(
        req.credentials,
        ctx,
        engine.client_auth,
        remote_addr=req.remote_addr,
        allow_public=grant_type in PUBLIC_GRANTS,
    )
    if grant_type not in client.grant_types:
        raise UnauthorizedClient(f"this client may not use the {grant_type} grant")
    return await handler(req, client, ctx, engine)
