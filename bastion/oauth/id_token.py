"""ID tokens (OpenID Connect Core 1.0 §2, §3.1.3.6 ``at_hash``, §12.2 on refresh).

Claims: ``iss``, ``sub``, ``aud`` (the client), ``azp``, ``exp``, ``iat``, ``auth_time``,
``nonce`` (when the request had one), ``amr``, ``sid`` and ``at_hash``. Profile and email
claims are served by the userinfo endpoint, not copied here.
"""

from __future__ import annotations

import hashlib
from typing import Any

from bastion.crypto.encoding import b64url_encode
from bastion.crypto.keys import SigningAlg
from bastion.oauth.grant_models import SignIn
from bastion.oauth.models import IssuerContext

ID_TOKEN_TYP = "JWT"


def token_hash(value: str, alg: SigningAlg) -> str:
    """The left half of the hash of ``value`` (OIDC Core §3.1.3.6). EdDSA with Ed25519
    uses SHA-512, as the OpenID Foundation's errata and certified clients do."""
    digest = (
        hashlib.sha512(value.encode("ascii")).digest()
        if alg is SigningAlg.EdDSA
        else hashlib.sha256(value.encode("ascii")).digest()
    )
    return b64url_encode(digest[: len(digest) // 2])


def issue_id_token(
    ctx: IssuerContext,
    *,
    client_id: str,
    sign_in: SignIn,
    nonce: str | None,
    access_token: str,
    now: float,
) -> str:
    key = ctx.keys.signing_key
    iat = int(now)
    claims: dict[str, Any] = {
        "iss": ctx.url,
        "sub": sign_in.subject,
        "aud": client_id,
        "azp": client_id,
        "iat": iat,
        "exp": iat + ctx.access_token_ttl,
        "auth_time": int(sign_in.auth_time.timestamp()),
        "amr": list(sign_in.amr),
        "at_hash": token_hash(access_token, key.alg),
    }
    if nonce is not None:
        claims["nonce"] = nonce
    if sign_in.session_id is not None:
        claims["sid"] = sign_in.session_id
    return key.sign(claims, typ=ID_TOKEN_TYP)
