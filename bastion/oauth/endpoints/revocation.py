"""Token revocation (RFC 7009).

Access tokens and opaque sessions may be revoked by any client of the token's app. A refresh
token may be revoked only by the client it was issued to (§2.1); revoking it ends its whole
rotation family and the access tokens that family issued (§2.1, "SHOULD also invalidate").
The answer is 200 whether or not the token was found, valid or ours (§2.2), so revocation
cannot be used to probe for tokens.

A JWT access token is ours when its jti's tag or, failing that, its signature says so (see
:func:`~bastion.oauth.subject_token.revocable_claims`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from bastion.oauth.client_auth import authenticate_client
from bastion.oauth.engine import EndpointRequest, Engine
from bastion.oauth.models import IssuerContext
from bastion.oauth.subject_token import TokenRejected, looks_like_jwt, revocable_claims


async def revocation_endpoint(req: EndpointRequest, ctx: IssuerContext, engine: Engine) -> None:
    token = req.params.require("token")
    client = await authenticate_client(
        req.credentials, ctx, engine.client_auth, remote_addr=req.remote_addr, allow_public=True
    )
    if looks_like_jwt(token):
        try:
            claims = await revocable_claims(token, ctx, engine)
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
    if record is not None:
        if record.issuer_id == ctx.id and record.realm == client.realm:
            await engine.tokens.revoke_opaque(digest)
        return
    if engine.interactive is None:
        return
    refresh = await engine.ports.refresh_tokens.find_refresh(digest)
    if (
        refresh is not None
        and refresh.issuer_id == ctx.id
        and refresh.client_id == client.client_id
    ):
        await engine.ports.refresh_tokens.revoke_family(refresh.family_id)
