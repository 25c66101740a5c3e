"""ID token claims and ``at_hash`` (OIDC Core §3.1.3.6) for each signing algorithm, checked
with an independent library (PyJWT)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import jwt as pyjwt
import pytest

from bastion.crypto.jwt import SigningKey
from bastion.crypto.keys import SigningAlg, generate_private_key
from bastion.oauth.grant_models import SignIn
from bastion.oauth.id_token import issue_id_token, token_hash
from bastion.oauth.models import IssuerContext, KeySet

NOW = 1_800_000_000.0


def context(alg: SigningAlg) -> tuple[IssuerContext, SigningKey]:
    key = SigningKey(kid=f"k-{alg.value}", alg=alg, private_key=generate_private_key(alg))
    keys = KeySet(signing_key=key, verification_keys={key.kid: key.verification_key()}, jwks=b"")
    ctx = IssuerContext(
        id="i",
        url="https://id.example/app",
        realm="r",
        tenant="t",
        default_audience="app",
        keys=keys,
        access_token_ttl=600,
        grant_types=frozenset(),
    )
    return ctx, key


@pytest.mark.parametrize("alg", list(SigningAlg))
def test_id_token_claims(alg: SigningAlg) -> None:
    ctx, key = context(alg)
    sign_in = SignIn("user-1", "sid-1", datetime.fromtimestamp(NOW - 30, UTC), ("pwd",))
    token = issue_id_token(
        ctx, client_id="app_x", sign_in=sign_in, nonce="n-1", access_token="at", now=NOW
    )
    claims = pyjwt.decode(
        token,
        key=key.private_key.public_key(),
        algorithms=[alg.value],
        audience="app_x",
        issuer=ctx.url,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert pyjwt.get_unverified_header(token)["typ"] == "JWT"
    assert claims["sub"] == "user-1" and claims["sid"] == "sid-1" and claims["nonce"] == "n-1"
    assert claims["auth_time"] == int(NOW - 30) and claims["amr"] == ["pwd"]
    assert claims["exp"] - claims["iat"] == 600 and claims["azp"] == "app_x"
    assert claims["at_hash"] == token_hash("at", alg)


def test_at_hash_is_the_left_half_of_the_digest() -> None:
    value = "an access token"
    sha256 = hashlib.sha256(value.encode()).digest()[:16]
    sha512 = hashlib.sha512(value.encode()).digest()[:32]
    b64 = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()  # noqa: E731
    assert token_hash(value, SigningAlg.RS256) == b64(sha256)
    assert token_hash(value, SigningAlg.ES256) == b64(sha256)
    assert token_hash(value, SigningAlg.EdDSA) == b64(sha512)


def test_no_nonce_and_no_session_means_no_such_claims() -> None:
    ctx, _ = context(SigningAlg.ES256)
    sign_in = SignIn("user-1", None, datetime.fromtimestamp(NOW, UTC), ())
    token = issue_id_token(
        ctx, client_id="c", sign_in=sign_in, nonce=None, access_token="a", now=NOW
    )
    claims = pyjwt.decode(token, options={"verify_signature": False})
    assert "nonce" not in claims and "sid" not in claims
