"""The JWK Set of an issuer (RFC 7517 §5): its next, active and still-published retired keys."""

from __future__ import annotations

from bastion.oauth.models import IssuerContext


def jwks_document(ctx: IssuerContext) -> bytes:
    return ctx.keys.jwks
