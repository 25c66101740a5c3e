"""Hostile and invalid tokens are refused with the right ``reason``."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from bastion.crypto.encoding import b64url_decode, b64url_encode, json_dumps
from bastion.crypto.jwt import (
    JwtError,
    SigningKey,
    VerificationKey,
    decode_unverified,
    verify_jwt,
)
from bastion.crypto.keys import SigningAlg, generate_private_key, public_jwk

ISSUER = "https://id.example.test/acme"
NOW = 1_750_000_000.0


def _claims(**extra: Any) -> dict[str, Any]:
    return {"iss": ISSUER, "sub": "u1", "aud": "api", "iat": NOW, "exp": NOW + 300, **extra}


def _seg(obj: object) -> str:
    return b64url_encode(obj if isinstance(obj, bytes) else json_dumps(obj))


def forge(header: object, claims: object, sign: Callable[[bytes], bytes] | None) -> str:
    signing_input = f"{_seg(header)}.{_seg(claims)}"
    signature = sign(signing_input.encode()) if sign else b""
    return f"{signing_input}.{b64url_encode(signature)}"


def _keys(*keys: SigningKey) -> dict[str, VerificationKey]:
    return {k.kid: k.verification_key() for k in keys}


def refused(token: str, keys: dict[str, VerificationKey], **options: Any) -> str:
    options.setdefault("issuer", ISSUER)
    options.setdefault("now", NOW)
    with pytest.raises(JwtError) as info:
        verify_jwt(token, keys, **options)
    message = str(info.value)
    for segment in token.split("."):
        if len(segment) > 8:
            assert segment not in message
    return info.value.reason


@pytest.fixture
def rsa_key(signing_keys: dict[SigningAlg, SigningKey]) -> SigningKey:
    return signing_keys[SigningAlg.RS256]


@pytest.fixture
def es_key(signing_keys: dict[SigningAlg, SigningKey]) -> SigningKey:
    return signing_keys[SigningAlg.ES256]


def test_valid_token_is_accepted(signing_key: SigningKey) -> None:
    token = signing_key.sign(_claims())
    assert verify_jwt(token, _keys(signing_key), issuer=ISSUER, now=NOW)["sub"] == "u1"


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE", ""])
def test_alg_none_without_signature(rsa_key: SigningKey, alg: str) -> None:
    token = forge({"alg": alg, "typ": "at+jwt", "kid": rsa_key.kid}, _claims(), None)
    assert refused(token, _keys(rsa_key)) == "unsupported_alg"


def test_alg_none_with_a_real_signature(rsa_key: SigningKey) -> None:
    real = rsa_key.sign(_claims())
    header = {"alg": "none", "typ": "at+jwt", "kid": rsa_key.kid}
    token = f"{_seg(header)}.{real.split('.', 1)[1]}"
    assert refused(token, _keys(rsa_key)) == "unsupported_alg"


@pytest.mark.parametrize(
    "encoding",
    [
        (serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        (serialization.Encoding.PEM, serialization.PublicFormat.PKCS1),
        (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
    ],
)
def test_hs256_signed_with_the_rsa_public_key(
    rsa_key: SigningKey, encoding: tuple[serialization.Encoding, serialization.PublicFormat]
) -> None:
    secret = rsa_key.private_key.public_key().public_bytes(*encoding)
    token = forge(
        {"alg": "HS256", "typ": "at+jwt", "kid": rsa_key.kid},
        _claims(),
        lambda data: hmac.new(secret, data, hashlib.sha256).digest(),
    )
    assert refused(token, _keys(rsa_key)) == "unsupported_alg"


def test_hs256_signed_with_the_public_jwk_text(rsa_key: SigningKey) -> None:
    secret = json_dumps(public_jwk(rsa_key.private_key.public_key(), rsa_key.kid, rsa_key.alg))
    header = {"alg": "HS256", "typ": "at+jwt", "kid": rsa_key.kid}
    token = forge(header, _claims(), lambda d: hmac.new(secret, d, hashlib.sha256).digest())
    assert refused(token, _keys(rsa_key)) == "unsupported_alg"


def test_alg_mismatch_with_the_key(rsa_key: SigningKey, es_key: SigningKey) -> None:
    # A genuine ES256 signature presented under the RSA key's kid.
    signer = SigningKey(rsa_key.kid, SigningAlg.ES256, es_key.private_key)
    token = signer.sign(_claims())
    assert refused(token, _keys(rsa_key, es_key)) == "unsupported_alg"


def test_alg_outside_the_allowed_set(es_key: SigningKey) -> None:
    token = es_key.sign(_claims())
    allowed = frozenset({SigningAlg.RS256})
    assert refused(token, _keys(es_key), algorithms=allowed) == "unsupported_alg"


@pytest.mark.parametrize("alg", ["RS384", "PS256", "ES256K", "Ed25519", "rs256", 256, None])
def test_other_algs_are_unsupported(rsa_key: SigningKey, alg: object) -> None:
    token = forge({"alg": alg, "typ": "at+jwt", "kid": rsa_key.kid}, _claims(), rsa_key._sign)
    assert refused(token, _keys(rsa_key)) == "unsupported_alg"


def test_unknown_and_missing_kid(rsa_key: SigningKey) -> None:
    other = SigningKey("rs256-unknown", SigningAlg.RS256, rsa_key.private_key)
    assert refused(other.sign(_claims()), _keys(rsa_key)) == "unknown_kid"
    no_kid = forge({"alg": "RS256", "typ": "at+jwt"}, _claims(), rsa_key._sign)
    assert refused(no_kid, _keys(rsa_key)) == "unknown_kid"
    bad_kid = forge({"alg": "RS256", "typ": "at+jwt", "kid": 7}, _claims(), rsa_key._sign)
    assert refused(bad_kid, _keys(rsa_key)) == "malformed"


def test_embedded_jwk_header_is_not_trusted(rsa_key: SigningKey) -> None:
    attacker = SigningKey(rsa_key.kid, SigningAlg.RS256, generate_private_key(SigningAlg.RS256))
    jwk = public_jwk(attacker.private_key.public_key(), rsa_key.kid, SigningAlg.RS256)
    header = {"alg": "RS256", "typ": "at+jwt", "kid": rsa_key.kid, "jwk": jwk}
    token = forge(header, _claims(), attacker._sign)
    assert refused(token, _keys(rsa_key)) == "bad_signature"


def test_typ_checks(signing_key: SigningKey) -> None:
    keys = _keys(signing_key)
    assert refused(signing_key.sign(_claims(), typ="JWT"), keys) == "bad_typ"
    no_typ = forge(
        {"alg": signing_key.alg.value, "kid": signing_key.kid}, _claims(), signing_key._sign
    )
    assert refused(no_typ, keys) == "bad_typ"
    for accepted in ("at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+JWT"):
        token = signing_key.sign(_claims(), typ=accepted)
        assert verify_jwt(token, keys, issuer=ISSUER, now=NOW)
    token = signing_key.sign(_claims(), typ="JWT")
    assert verify_jwt(token, keys, issuer=ISSUER, now=NOW, typ=None)
    assert verify_jwt(token, keys, issuer=ISSUER, now=NOW, typ="application/jwt")


def test_expiry_and_leeway(es_key: SigningKey) -> None:
    keys = _keys(es_key)
    assert refused(es_key.sign(_claims(exp=NOW - 31)), keys) == "expired"
    assert refused(es_key.sign(_claims(exp=NOW - 30)), keys) == "expired"
    assert verify_jwt(es_key.sign(_claims(exp=NOW - 29)), keys, issuer=ISSUER, now=NOW)
    assert refused(es_key.sign(_claims(exp=NOW - 1)), keys, leeway=0) == "expired"


def test_future_nbf(es_key: SigningKey) -> None:
    keys = _keys(es_key)
    assert refused(es_key.sign(_claims(nbf=NOW + 31)), keys) == "not_yet_valid"
    assert verify_jwt(es_key.sign(_claims(nbf=NOW + 29)), keys, issuer=ISSUER, now=NOW)


@pytest.mark.parametrize("value", [True, "1750000000", None, [NOW], {"t": NOW}])
def test_time_claims_must_be_numbers(es_key: SigningKey, value: object) -> None:
    for name in ("exp", "nbf", "iat"):
        assert refused(es_key.sign(_claims(**{name: value})), _keys(es_key)) == "malformed"


@pytest.mark.parametrize(
    "issuer",
    [ISSUER + "/", "https://id.example.test/ACME", "http://id.example.test/acme", ISSUER[:-1]],
)
def test_wrong_issuer(es_key: SigningKey, issuer: str) -> None:
    token = es_key.sign(_claims(iss=issuer))
    assert refused(token, _keys(es_key)) == "issuer_mismatch"


def test_non_string_issuer(es_key: SigningKey) -> None:
    token = es_key.sign(_claims(iss=[ISSUER]))
    assert refused(token, _keys(es_key)) == "issuer_mismatch"


def test_audience(es_key: SigningKey) -> None:
    keys = _keys(es_key)
    assert refused(es_key.sign(_claims(aud="other")), keys, audience="api") == "audience_mismatch"
    assert refused(es_key.sign(_claims(aud=["a", "b"])), keys, audience="api") == (
        "audience_mismatch"
    )
    assert refused(es_key.sign(_claims(aud={"api": 1})), keys, audience="api") == (
        "audience_mismatch"
    )
    assert verify_jwt(
        es_key.sign(_claims(aud=["x", "api"])), keys, issuer=ISSUER, audience="api", now=NOW
    )
    no_aud = {k: v for k, v in _claims().items() if k != "aud"}
    assert refused(es_key.sign(no_aud), keys, audience="api") == "missing_claim"


def test_missing_required_claims(es_key: SigningKey) -> None:
    keys = _keys(es_key)
    for name in ("iss", "exp", "iat"):
        claims = {k: v for k, v in _claims().items() if k != name}
        assert refused(es_key.sign(claims), keys) == "missing_claim"
    assert refused(es_key.sign(_claims()), keys, required_claims=("jti",)) == "missing_claim"


def test_crit_header_is_refused(signing_key: SigningKey) -> None:
    header = {
        "alg": signing_key.alg.value,
        "typ": "at+jwt",
        "kid": signing_key.kid,
        "crit": ["exp"],
    }
    token = forge(header, _claims(), signing_key._sign)
    assert refused(token, _keys(signing_key)) == "crit_unsupported"


def test_tampered_payload(signing_key: SigningKey) -> None:
    header, _, signature = signing_key.sign(_claims()).split(".")
    token = f"{header}.{_seg(_claims(sub='admin'))}.{signature}"
    assert refused(token, _keys(signing_key)) == "bad_signature"


def test_tampered_signature(signing_key: SigningKey) -> None:
    header, payload, signature = signing_key.sign(_claims()).split(".")
    raw = bytearray(b64url_decode(signature))
    raw[5] ^= 0x40
    token = f"{header}.{payload}.{b64url_encode(bytes(raw))}"
    assert refused(token, _keys(signing_key)) == "bad_signature"


def test_signature_checked_before_claims(signing_key: SigningKey) -> None:
    header, _, signature = signing_key.sign(_claims()).split(".")
    token = f"{header}.{_seg(_claims(exp=NOW - 1000, iss='evil'))}.{signature}"
    assert refused(token, _keys(signing_key)) == "bad_signature"


@pytest.mark.parametrize("extra", [b"", b"\x00", b"\x00" * 64])
def test_es256_signature_must_be_64_bytes(es_key: SigningKey, extra: bytes) -> None:
    header, payload, signature = es_key.sign(_claims()).split(".")
    raw = b64url_decode(signature)
    bad = raw[:63] if not extra else raw + extra
    token = f"{header}.{payload}.{b64url_encode(bad)}"
    assert refused(token, _keys(es_key)) == "bad_signature"


def test_es256_der_signature_is_refused(es_key: SigningKey) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    header = {"alg": "ES256", "typ": "at+jwt", "kid": es_key.kid}
    key = es_key.private_key
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    token = forge(header, _claims(), lambda d: key.sign(d, ec.ECDSA(hashes.SHA256())))
    assert refused(token, _keys(es_key)) == "bad_signature"


def test_bad_base64(signing_key: SigningKey) -> None:
    keys = _keys(signing_key)
    header, payload, signature = signing_key.sign(_claims()).split(".")
    for token in (
        f"{header}=.{payload}.{signature}",
        f"{header}.{payload}.{signature}=",
        f"{header}.{payload}.{signature[:-2]}+/",
        f"{header[:-1]}!.{payload}.{signature}",
        f"{header}.{payload} .{signature}",
    ):
        assert refused(token, keys) == "malformed"


@pytest.mark.parametrize("header", [["RS256"], "RS256", 1, None, b"not json"])
def test_non_object_header(rsa_key: SigningKey, header: object) -> None:
    token = forge(header, _claims(), rsa_key._sign)
    assert refused(token, _keys(rsa_key)) == "malformed"


@pytest.mark.parametrize("claims", [[1], "x", 3, b"not json", b'{"a": NaN}'])
def test_non_object_claims(rsa_key: SigningKey, claims: object) -> None:
    token = forge({"alg": "RS256", "typ": "at+jwt", "kid": rsa_key.kid}, claims, rsa_key._sign)
    assert refused(token, _keys(rsa_key)) == "malformed"


@pytest.mark.parametrize("shape", ["", "a", "a.b", "a.b.c.d", "a.b.c.d.e", "...", "a..c"])
def test_wrong_segment_count_or_empty(rsa_key: SigningKey, shape: str) -> None:
    assert refused(shape, _keys(rsa_key)) in {"malformed", "unsupported_alg"}
    with pytest.raises(JwtError):
        decode_unverified(shape)


def test_oversized_token_is_refused(signing_key: SigningKey) -> None:
    token = signing_key.sign(_claims(pad="x" * 16_500))
    assert refused(token, _keys(signing_key)) == "malformed"
    assert len(signing_key.sign(_claims(pad="x" * 11_000))) < 16 * 1024
    assert verify_jwt(
        signing_key.sign(_claims(pad="x" * 11_000)), _keys(signing_key), issuer=ISSUER, now=NOW
    )


def test_non_ascii_token(rsa_key: SigningKey) -> None:
    token = rsa_key.sign(_claims())
    assert refused(token.replace(".", "é.", 1), _keys(rsa_key)) == "malformed"


def test_decode_unverified_is_strict(rsa_key: SigningKey) -> None:
    token = rsa_key.sign(_claims())
    header, claims = decode_unverified(token)
    assert header["kid"] == rsa_key.kid and claims["sub"] == "u1"
    with pytest.raises(JwtError) as info:
        decode_unverified(token + "=")
    assert info.value.reason == "malformed"


def test_jwt_error_survives_copying_with_its_reason() -> None:
    import copy

    error = copy.deepcopy(JwtError("expired", "token has expired"))
    assert (error.reason, str(error)) == ("expired", "token has expired")
