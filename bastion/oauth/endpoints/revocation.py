"""Token revocation (RFC 7009).

Access tokens and opaque sessions may be revoked by any client of the token's app. A refresh
token may be revoked only by the client it was issued to (§2.1); revoking it ends its whole
rotation family and the access tokens that family issued (§2.1, "SHOULD also invalidate").
The answer is 200 whether or not the token was found, valid or ours (§2.2), so revocation
cannot be used to probe for tokens.

A JWT access token is ours when its jti's tag matches its issuer, client and expiry
(:mod:`bastion.oauth.jti`), which costs an HMAC; one whose jti carries no such tag (minted
before tags, or tampered with) is ours only if its signature verifies.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bastion.crypto.encoding import b64url_decode, json_loads
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
        claims = vouched_claims(token, ctx, engine)
        if claims is None:
            try:
                # Revoking a revoked token changes nothing, so the deny-list is not read first.
                claims = await verify_own_access_token(token, ctx, engine, check_revoked=False)
            except TokenRejected:
                return
        elif claims["exp"] <= engine.clock():
            return  # expired: nothing left to revoke
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


def vouched_claims(token: str, ctx: IssuerContext, engine: Engine) -> dict[str, Any] | None:
    """The claims of a JWT whose jti vouches for its ``iss`` (this issuer), ``client_id`` and
    ``exp``; None when it does not, and the signature must decide. Only those three claims and
    the jti are to be trusted: nothing else in the token was checked."""
    try:
        claims = json_loads(b64url_decode(token.split(".")[1]))
    except ValueError:
        return None
    if not isinstance(claims, dict) or claims.get("iss") != ctx.url:
        return None
    jti, client_id, exp = claims.get("jti"), claims.get("client_id"), claims.get("exp")
    if not isinstance(jti, str) or not isinstance(client_id, str) or type(exp) is not int:
        return None
    return claims if engine.jti_tags.vouches(jti, ctx.url, client_id, exp) else None
