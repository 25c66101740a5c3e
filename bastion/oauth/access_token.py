"""JWT access tokens (RFC 9068): header ``typ: at+jwt``; claims ``iss``, ``aud``, ``sub``,
``iat``, ``exp``, ``jti``, ``client_id`` and ``scope``, plus any extra claims a face needs.
The jti is tagged for its issuer, client and expiry (:mod:`bastion.oauth.jti`); a caller that
needs it before the token (to record it beside a grant) mints it with :func:`mint_access_jti`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bastion.oauth.jti import JtiTags
from bastion.oauth.models import IssuerContext


@dataclass(frozen=True, slots=True)
class IssuedJwt:
    token: str
    jti: str
    expires_at: int
    expires_in: int


def issue_access_token(
    ctx: IssuerContext,
    tags: JtiTags,
    *,
    subject: str,
    client_id: str,
    scope: str,
    audiences: Sequence[str],
    now: float,
    ttl: int | None = None,
    extra_claims: Mapping[str, Any] | None = None,
    jti: str | None = None,
) -> IssuedJwt:
    lifetime = ttl or ctx.access_token_ttl
    iat = int(now)
    jti = jti or mint_access_jti(ctx, tags, client_id=client_id, now=now, ttl=ttl)
    claims: dict[str, Any] = {
        "iss": ctx.url,
        "sub": subject,
        "aud": audiences[0] if len(audiences) == 1 else list(audiences),
        "iat": iat,
        "exp": iat + lifetime,
        "jti": jti,
        "client_id": client_id,
    }
    if scope:
        claims["scope"] = scope
    if extra_claims:
        for key, value in extra_claims.items():
            claims.setdefault(key, value)
    token = ctx.keys.signing_key.sign(claims, typ="at+jwt")
    return IssuedJwt(token=token, jti=jti, expires_at=iat + lifetime, expires_in=lifetime)


def mint_access_jti(
    ctx: IssuerContext, tags: JtiTags, *, client_id: str, now: float, ttl: int | None = None
) -> str:
    """A jti tagged for the token :func:`issue_access_token` signs with the same ``now`` and
    ``ttl`` (its expiry), for a caller that records the jti before the token exists."""
    return tags.mint(ctx.url, client_id, int(now) + (ttl or ctx.access_token_ttl))
