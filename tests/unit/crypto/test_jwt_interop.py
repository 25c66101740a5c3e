"""Round trips, and interop with two independent JOSE libraries (PyJWT and joserfc)."""

from __future__ import annotations

import time
import warnings
from typing import Any, Literal

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from joserfc import jwk as jose_jwk
from joserfc import jwt as jose_jwt

from bastion.crypto.encoding import b64url_decode
from bastion.crypto.jwt import SigningKey, VerificationKey, decode_unverified, verify_jwt
from bastion.crypto.keys import SigningAlg, public_jwk

ISSUER = "https://id.example.test/acme"


def _claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "sub": "user-1",
        "aud": "api",
        "iat": now,
        "exp": now + 300,
        "jti": "j1",
        "scope": "openid",
        **extra,
    }


def _jwk(key: SigningKey) -> dict[str, str]:
    return public_jwk(key.private_key.public_key(), key.kid, key.alg)


def _keyset(key: SigningKey) -> dict[str, VerificationKey]:
    return {key.kid: key.verification_key()}


def test_round_trip(signing_key: SigningKey) -> None:
    claims = _claims(nested={"a": [1, 2]})
    token = signing_key.sign(claims)
    assert verify_jwt(token, _keyset(signing_key), issuer=ISSUER, audience="api") == claims


def test_header_and_signature_shape(signing_key: SigningKey) -> None:
    token = signing_key.sign(_claims(), typ="JWT")
    header, claims = decode_unverified(token)
    assert header == {"alg": signing_key.alg.value, "typ": "JWT", "kid": signing_key.kid}
    assert list(header) == ["alg", "typ", "kid"]
    assert claims["sub"] == "user-1"
    signature = b64url_decode(token.rsplit(".", 1)[1])
    expected = {SigningAlg.RS256: 256, SigningAlg.ES256: 64, SigningAlg.EdDSA: 64}
    assert len(signature) == expected[signing_key.alg]


def test_header_cache_is_per_typ(signing_key: SigningKey) -> None:
    first = signing_key.sign({"a": 1}).split(".")[0]
    other = signing_key.sign({"a": 1}, typ="JWT").split(".")[0]
    assert first != other
    assert signing_key.sign({"b": 2}).split(".")[0] == first


def test_sign_accepts_any_mapping(signing_key: SigningKey) -> None:
    from types import MappingProxyType

    token = signing_key.sign(MappingProxyType(_claims()))
    assert verify_jwt(token, _keyset(signing_key), issuer=ISSUER)["sub"] == "user-1"


def test_pyjwt_verifies_our_tokens(signing_key: SigningKey) -> None:
    token = signing_key.sign(_claims())
    key = pyjwt.PyJWK(_jwk(signing_key))
    claims = pyjwt.decode(
        token, key.key, algorithms=[signing_key.alg.value], audience="api", issuer=ISSUER
    )
    assert claims["sub"] == "user-1"
    assert pyjwt.get_unverified_header(token)["kid"] == signing_key.kid


def test_joserfc_verifies_our_tokens(signing_key: SigningKey) -> None:
    token = signing_key.sign(_claims())
    published: dict[str, str | list[str]] = dict(_jwk(signing_key))
    key_set = jose_jwk.KeySet.import_key_set({"keys": [published]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc flags "EdDSA" as superseded by RFC 9864
        decoded = jose_jwt.decode(token, key_set, algorithms=[signing_key.alg.value])
    assert decoded.claims["sub"] == "user-1"
    assert decoded.header["typ"] == "at+jwt"
    jose_jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISSUER}, aud={"essential": True, "value": "api"}
    ).validate(decoded.claims)


def test_we_verify_pyjwt_tokens(signing_key: SigningKey) -> None:
    token = pyjwt.encode(
        _claims(),
        signing_key.private_key,
        algorithm=signing_key.alg.value,
        headers={"kid": signing_key.kid, "typ": "at+jwt"},
    )
    claims = verify_jwt(token, _keyset(signing_key), issuer=ISSUER, audience="api")
    assert claims["sub"] == "user-1"


def test_we_verify_joserfc_tokens(signing_key: SigningKey) -> None:
    key = jose_jwk.import_key(_pem(signing_key), _JOSE_KTY[signing_key.alg])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        token = jose_jwt.encode(
            {"alg": signing_key.alg.value, "kid": signing_key.kid, "typ": "application/at+jwt"},
            _claims(),
            key,
            algorithms=[signing_key.alg.value],
        )
    claims = verify_jwt(token, _keyset(signing_key), issuer=ISSUER, audience="api")
    assert claims["jti"] == "j1"


_JOSE_KTY: dict[SigningAlg, Literal["RSA", "EC", "OKP"]] = {
    SigningAlg.RS256: "RSA",
    SigningAlg.ES256: "EC",
    SigningAlg.EdDSA: "OKP",
}


def _pem(key: SigningKey) -> bytes:
    return key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_verification_key_from_jwk_round_trip(signing_key: SigningKey) -> None:
    from bastion.crypto.keys import public_key_from_jwk

    public, alg = public_key_from_jwk(_jwk(signing_key))
    keys = {signing_key.kid: VerificationKey(signing_key.kid, alg, public)}
    token = signing_key.sign(_claims())
    assert verify_jwt(token, keys, issuer=ISSUER)["iss"] == ISSUER


def test_verification_key_refuses_mismatched_alg(
    signing_keys: dict[SigningAlg, SigningKey],
) -> None:
    rsa_public = signing_keys[SigningAlg.RS256].private_key.public_key()
    with pytest.raises(ValueError):
        VerificationKey("k", SigningAlg.ES256, rsa_public)
    with pytest.raises(ValueError):
        SigningKey("k", SigningAlg.EdDSA, signing_keys[SigningAlg.ES256].private_key)
