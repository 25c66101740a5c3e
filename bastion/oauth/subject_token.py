"""Checking a JWT access token that a client presents to us: as the subject of a token
exchange (RFC 8693 §2.1), for introspection (RFC 7662 §2.2) or to revoke (RFC 7009 §2.1)."""

from __future__ import annotations

from typing import Any

from bastion.crypto.encoding import b64url_decode, json_loads
from bastion.crypto.jwt import JwtError, decode_unverified, verify_jwt
from bastion.oauth.engine import Engine
from bastion.oauth.errors import InvalidGrant
from bastion.oauth.models import Client, IssuerContext

ACCESS_TOKEN_CLAIMS = ("iss", "sub", "exp", "iat", "jti", "client_id")


class TokenRejected(Exception):
    """The token is not a live access token of this issuer (bad, expired or revoked)."""


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("ey")


async def verify_own_access_token(
    token: str, ctx: IssuerContext, engine: Engine, *, check_revoked: bool = True
) -> dict[str, Any]:
    """Claims of a live access token issued by ``ctx``; raises TokenRejected otherwise.

    The signature and claims are checked once per token text and key set (see
    :mod:`bastion.oauth.verified_tokens`); the expiry and, unless the caller is about to
    revoke the token anyway, the deny-list on every call.
    """
    now = engine.clock()
    claims = engine.verified.get(token, ctx, now)
    if claims is None:
        try:
            claims = verify_jwt(
                token,
                ctx.keys.verification_keys,
                issuer=ctx.url,
                typ="at+jwt",
                now=now,
                leeway=0,
                required_claims=ACCESS_TOKEN_CLAIMS,
            )
        except JwtError as exc:
            raise TokenRejected(exc.reason) from None
        if not isinstance(claims.get("jti"), str) or not isinstance(claims.get("client_id"), str):
            raise TokenRejected("malformed")
        engine.verified.put(token, ctx, claims)
    if check_revoked and await engine.tokens.is_jwt_revoked(claims["jti"]):
        raise TokenRejected("revoked")
    return claims


async def revocable_claims(token: str, ctx: IssuerContext, engine: Engine) -> dict[str, Any]:
    """The claims of an unexpired access token of ``ctx`` that may be revoked; raises
    TokenRejected otherwise. A jti whose tag vouches for the token's ``iss``, ``client_id`` and
    ``exp`` (:mod:`bastion.oauth.jti`) stands in for the signature, and only those claims and
    the jti may be used; any other token needs its signature. Revoking a revoked token changes
    nothing, so the deny-list is not read."""
    claims = _vouched_claims(token, ctx, engine)
    if claims is None:
        return await verify_own_access_token(token, ctx, engine, check_revoked=False)
    if claims["exp"] <= engine.clock():
        raise TokenRejected("expired")
    return claims


def _vouched_claims(token: str, ctx: IssuerContext, engine: Engine) -> dict[str, Any] | None:
    try:
        claims = json_loads(b64url_decode(token.split(".")[1]))
    except (ValueError, IndexError):
        return None
    if not isinstance(claims, dict) or claims.get("iss") != ctx.url:
        return None
    jti, client_id, exp = claims.get("jti"), claims.get("client_id"), claims.get("exp")
    if not isinstance(jti, str) or not isinstance(client_id, str) or type(exp) is not int:
        return None
    return claims if engine.jti_tags.vouches(jti, ctx.url, client_id, exp) else None


async def validate_subject_token(
    token: str, ctx: IssuerContext, client: Client, engine: Engine
) -> tuple[dict[str, Any], Client]:
    """Claims of a subject token the client may exchange here, and the client it was issued to.

    Trusted issuers are this one, the shared platform issuer, and the client's own app issuer;
    the token must have been issued to a client of the same app as the caller.
    """
    refused = InvalidGrant("subject_token is invalid, expired or not yours to exchange")
    if not looks_like_jwt(token):
        raise refused
    try:
        _, unverified = decode_unverified(token)
    except JwtError:
        raise refused from None
    iss = unverified.get("iss")
    issuer = ctx if iss == ctx.url else None
    if issuer is None and isinstance(iss, str):
        issuer = await engine.issuers.issuer_by_url(iss)
    if issuer is None or not (issuer.realm is None or issuer.realm == client.realm):
        raise refused
    try:
        claims = await verify_own_access_token(token, issuer, engine)
    except TokenRejected:
        raise refused from None
    owner = await engine.clients.get_client(str(claims["client_id"]))
    if owner is None or owner.realm != client.realm or not owner.active:
        raise refused
    return claims, owner
