"""Token introspection (RFC 7662), for confidential clients of the same app.

A token that is unknown, expired, revoked, issued by another issuer or belonging to another
app is simply ``{"active": false}``: the answer never tells which.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bastion.oauth.client_auth import authenticate_client
from bastion.oauth.engine import EndpointRequest, Engine
from bastion.oauth.models import Client, IssuerContext
from bastion.oauth.subject_token import TokenRejected, looks_like_jwt, verify_own_access_token

INACTIVE: dict[str, Any] = {"active": False}
PUBLISHED_CLAIMS = ("scope", "client_id", "sub", "aud", "iss", "exp", "iat", "nbf", "jti", "act")


async def introspection_endpoint(
    req: EndpointRequest, ctx: IssuerContext, engine: Engine
) -> dict[str, Any]:
    token = req.params.require("token")
    client = await authenticate_client(
        req.credentials, ctx, engine.client_auth, remote_addr=req.remote_addr, allow_public=False
    )
    if looks_like_jwt(token):
        return await _introspect_jwt(token, ctx, client, engine)
    return await _introspect_opaque(token, ctx, client, engine)


async def _introspect_jwt(
    token: str, ctx: IssuerContext, client: Client, engine: Engine
) -> dict[str, Any]:
    try:
        claims = await verify_own_access_token(token, ctx, engine)
    except TokenRejected:
        return INACTIVE
    owner = await engine.clients.get_client(str(claims["client_id"]))
    if owner is None or owner.realm != client.realm:
        return INACTIVE
    body: dict[str, Any] = {"active": True, "token_type": "Bearer"}
    body.update({k: claims[k] for k in PUBLISHED_CLAIMS if k in claims})
    return body


async def _introspect_opaque(
    token: str, ctx: IssuerContext, client: Client, engine: Engine
) -> dict[str, Any]:
    digest = engine.hasher.digest(token)
    record = await engine.tokens.find_opaque(digest)
    now = engine.clock()
    if record is None and engine.interactive is not None:
        return await _introspect_refresh(digest, ctx, client, engine)
    if (
        record is None
        or record.revoked
        or record.issuer_id != ctx.id
        or record.realm != client.realm
        or record.expires_at <= datetime.fromtimestamp(now, UTC)
    ):
        return INACTIVE
    body = _active(record.client_id, record.subject, ctx, record.expires_at, record.scope)
    body["token_type"] = "Bearer"
    if record.audiences:
        body["aud"] = list(record.audiences)
    for key, value in record.claims.items():
        body.setdefault(key, value)
    return body


async def _introspect_refresh(
    digest: bytes, ctx: IssuerContext, client: Client, engine: Engine
) -> dict[str, Any]:
    """A refresh token is active until rotated, revoked or expired, or its session ends."""
    record = await engine.ports.refresh_tokens.find_refresh(digest)
    if (
        record is None
        or record.revoked
        or record.rotated_at is not None
        or record.issuer_id != ctx.id
        or record.realm != client.realm
        or record.expires_at <= datetime.fromtimestamp(engine.clock(), UTC)
    ):
        return INACTIVE
    if record.session_id and record.session is None:  # its session has ended
        return INACTIVE
    return _active(record.client_id, record.subject, ctx, record.expires_at, record.scope)


def _active(
    client_id: str, subject: str, ctx: IssuerContext, expires_at: datetime, scope: str | None
) -> dict[str, Any]:
    """The members every active answer about a stored token carries."""
    body: dict[str, Any] = {
        "active": True,
        "client_id": client_id,
        "sub": subject,
        "iss": ctx.url,
        "exp": int(expires_at.timestamp()),
    }
    if scope:
        body["scope"] = scope
    return body
