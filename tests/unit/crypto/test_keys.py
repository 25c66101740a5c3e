from __future__ import annotations

import re
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from bastion.crypto.encoding import b64url_decode
from bastion.crypto.jwt import SigningKey
from bastion.crypto.keys import (
    KeyState,
    SigningAlg,
    new_kid,
    private_key_from_der,
    private_key_to_der,
    public_jwk,
    public_key_from_jwk,
)


def test_enums_have_wire_values() -> None:
    assert [a.value for a in SigningAlg] == ["RS256", "ES256", "EdDSA"]
    assert [s.value for s in KeyState] == ["next", "active", "retired"]


@pytest.mark.parametrize("alg", list(SigningAlg))
def test_new_kid_shape(alg: SigningAlg) -> None:
    kid = new_kid(alg)
    assert re.fullmatch(rf"{alg.value.lower()}-[0-9A-Za-z]{{16}}", kid)
    assert new_kid(alg) != kid


def test_generated_key_shapes(signing_keys: dict[SigningAlg, SigningKey]) -> None:
    rsa_key = signing_keys[SigningAlg.RS256].private_key
    assert isinstance(rsa_key, rsa.RSAPrivateKey)
    assert rsa_key.key_size == 2048 and rsa_key.public_key().public_numbers().e == 65537
    ec_key = signing_keys[SigningAlg.ES256].private_key
    assert isinstance(ec_key, ec.EllipticCurvePrivateKey)
    assert isinstance(ec_key.curve, ec.SECP256R1)


def test_der_round_trip(signing_key: SigningKey) -> None:
    der = private_key_to_der(signing_key.private_key)
    loaded = private_key_from_der(der, signing_key.alg)
    assert private_key_to_der(loaded) == der


def test_der_refuses_wrong_alg(signing_keys: dict[SigningAlg, SigningKey]) -> None:
    for key_alg, key in signing_keys.items():
        der = private_key_to_der(key.private_key)
        for alg in SigningAlg:
            if alg is not key_alg:
                with pytest.raises(ValueError):
                    private_key_from_der(der, alg)
    with pytest.raises(ValueError):
        private_key_from_der(b"not der", SigningAlg.RS256)


def test_der_refuses_small_rsa_and_other_curves() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (the point of the test)
    with pytest.raises(ValueError, match="2048"):
        private_key_from_der(private_key_to_der(small), SigningAlg.RS256)
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(ValueError, match="P-256"):
        private_key_from_der(private_key_to_der(p384), SigningAlg.ES256)


def test_public_jwk_members(signing_keys: dict[SigningAlg, SigningKey]) -> None:
    def jwk_for(alg: SigningAlg) -> dict[str, str]:
        key = signing_keys[alg]
        return public_jwk(key.private_key.public_key(), key.kid, alg)

    rsa_jwk = jwk_for(SigningAlg.RS256)
    assert list(rsa_jwk) == ["kty", "kid", "use", "alg", "n", "e"]
    assert rsa_jwk["kty"] == "RSA" and rsa_jwk["e"] == "AQAB" and rsa_jwk["use"] == "sig"
    assert len(b64url_decode(rsa_jwk["n"])) == 256 and b64url_decode(rsa_jwk["n"])[0] != 0
    ec_jwk = jwk_for(SigningAlg.ES256)
    assert (ec_jwk["kty"], ec_jwk["crv"], ec_jwk["alg"]) == ("EC", "P-256", "ES256")
    assert len(b64url_decode(ec_jwk["x"])) == len(b64url_decode(ec_jwk["y"])) == 32
    ed_jwk = jwk_for(SigningAlg.EdDSA)
    assert (ed_jwk["kty"], ed_jwk["crv"], ed_jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")
    assert len(b64url_decode(ed_jwk["x"])) == 32 and "y" not in ed_jwk


def test_ec_coordinates_are_left_padded() -> None:
    # Find a key whose x coordinate has a leading zero byte (about 1 in 256 keys).
    for _ in range(5000):
        key = ec.generate_private_key(ec.SECP256R1()).public_key()
        if key.public_numbers().x < 1 << 248:
            break
    else:
        pytest.skip("no short coordinate found")
    jwk = public_jwk(key, "k", SigningAlg.ES256)
    assert b64url_decode(jwk["x"])[0] == 0 and len(b64url_decode(jwk["x"])) == 32
    assert public_key_from_jwk(jwk)[0] == key


def test_jwk_round_trip(signing_key: SigningKey) -> None:
    public = signing_key.private_key.public_key()
    key, alg = public_key_from_jwk(public_jwk(public, signing_key.kid, signing_key.alg))
    assert alg is signing_key.alg
    assert key == public


def test_public_jwk_refuses_key_alg_mismatch(signing_keys: dict[SigningAlg, SigningKey]) -> None:
    rsa_public = signing_keys[SigningAlg.RS256].private_key.public_key()
    with pytest.raises(ValueError):
        public_jwk(rsa_public, "k", SigningAlg.ES256)


def _mutations(jwk: dict[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {**jwk, "d": "AAAA"},
        {**jwk, "k": "AAAA"},
        {**jwk, "use": "enc"},
        {**jwk, "key_ops": ["sign"]},
        {**jwk, "alg": "HS256"},
        {**jwk, "alg": "none"},
        {k: v for k, v in jwk.items() if k != "alg"},
        {k: v for k, v in jwk.items() if k != "kty"},
    ]
    if jwk["kty"] == "RSA":
        out += [{**jwk, "kty": "EC"}, {**jwk, "n": jwk["n"][:100]}, {**jwk, "e": 65537}]
    if jwk["kty"] == "EC":
        out += [
            {**jwk, "crv": "P-384"},
            {**jwk, "alg": "RS256"},
            {**jwk, "y": jwk["x"]},  # not on the curve
            {**jwk, "x": jwk["x"] + "="},
            {**jwk, "x": jwk["x"][:-2]},
        ]
    if jwk["kty"] == "OKP":
        out += [{**jwk, "crv": "X25519"}, {**jwk, "x": jwk["x"][:-4]}, {**jwk, "alg": "ES256"}]
    return out


def test_public_key_from_jwk_is_strict(signing_key: SigningKey) -> None:
    jwk = public_jwk(signing_key.private_key.public_key(), signing_key.kid, signing_key.alg)
    for bad in _mutations(jwk):
        with pytest.raises(ValueError):
            public_key_from_jwk(bad)
