"""Token revocation (RFC 7009). Any confidential client of the token's app may revoke it.

The answer is 200 whether or not the token was found, valid or ours (RFC 7009 §2.2), so
revocation cannot be used to probe for tokens. ``token_type_hint`` only orders the search.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bastion.oauth.client_auth import authenticate_client
from bastion.oauth.engine import EndpointRequest, Engine
from bastion.oauth.models import IssuerContext
from bastion.oauth.subject_token import TokenRejected, looks_like_jwt, verify_own_access_token


async def revocation_endpoint(req: EndpointRequest, ctx: IssuerContext, engine: Engine) -> None:
    token = req.params.require("token")
    client = await authenticate_client(
        req.credentials, ctx, engine.client_auth, remote_addr=req.remote_addr, allow_public=True
    )
    if looks_like_jwt(token):
        try:
            claims = await verify_own_access_token(token, ctx, engine)
        except TokenRejected:
            return
        owner = await engine.clients.get_client(str(claims["client_id"]))
        if owner is None or owner.realm != client.realm:
            return
        await engine.tokens.revoke_jwt(
            str(claims["jti"]),
            issuer_id=ctx.id,
            tenant=owner.tenant,
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
        return
    digest = engine.hasher.digest(token)
    record = await engine.tokens.find_opaque(digest)
    if record is not None and record.issuer_id == ctx.id and record.realm == client.realm:
        await engine.tokens.revoke_opaque(digest)
