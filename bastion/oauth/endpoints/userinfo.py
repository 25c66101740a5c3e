"""The UserInfo endpoint (OpenID Connect Core 1.0 §5.3) with bearer tokens (RFC 6750 §2.1).

The access token must be a live one of this issuer, granted ``openid``, and its session (the
``sid`` claim) must not have ended. Claims are released by the granted scopes (§5.4).
"""

from __future__ import annotations

from typing import Any

from bastion.domain.claims import claims_for_scopes
from bastion.domain.scopes import parse_scope
from bastion.oauth.engine import Engine
from bastion.oauth.errors import InsufficientScope, InvalidToken
from bastion.oauth.models import IssuerContext
from bastion.oauth.subject_token import TokenRejected, verify_own_access_token


async def userinfo_endpoint(
    token: str | None, ctx: IssuerContext, engine: Engine
) -> dict[str, Any]:
    if not token:
        raise InvalidToken("a bearer access token is required")
    try:
        claims = await verify_own_access_token(token, ctx, engine)
    except TokenRejected:
        raise InvalidToken("the access token is invalid, expired or revoked") from None
    scope = claims.get("scope")
    scopes = parse_scope(scope if isinstance(scope, str) else None)
    if "openid" not in scopes:
        raise InsufficientScope("the access token was not granted the openid scope")
    client = await engine.clients.get_client(str(claims["client_id"]))
    if client is None or not ctx.accepts(client):
        raise InvalidToken("the access token is invalid, expired or revoked")
    sid = claims.get("sid")
    if isinstance(sid, str):
        session = await engine.ports.sessions.live_session(sid)
        if session is None:
            raise InvalidToken("the sign-in session behind this token has ended")
    person = await engine.ports.people.person(client.realm, str(claims["sub"]))
    if person is None:
        raise InvalidToken("the access token is invalid, expired or revoked")
    return claims_for_scopes(person, scopes)
