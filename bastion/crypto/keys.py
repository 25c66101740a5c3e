"""Signing keys: generation, serialisation and JSON Web Key conversion.

Covers the three signature algorithms Bastion issues with: RS256 (RSASSA-PKCS1-v1_5 with
SHA-256, RFC 7518 §3.3, keys of at least 2048 bits), ES256 (ECDSA P-256 with SHA-256, RFC 7518
§3.4) and EdDSA over Ed25519 (RFC 8037 §3.1). Public keys are published as JWKs per RFC 7517
§4 with the type-specific members of RFC 7518 §6.2.1 (EC ``crv``/``x``/``y``, coordinates
padded to the full field size), §6.3.1 (RSA ``n``/``e`` as minimal big-endian octets) and RFC
8037 §2 (OKP ``crv``/``x``). Private keys leave this module only as unencrypted PKCS#8 DER
(RFC 5208 §5) for the caller to seal. A key moves through the rotation states next -> active
-> retired; the JWKS publishes next and retired keys too so verifiers can follow a rotation.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeAlias

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from bastion.crypto.encoding import b64url_decode, b64url_encode
from bastion.crypto.secrets import random_base62_string

__all__ = [
    "KeyState",
    "PrivateKey",
    "PublicKey",
    "SigningAlg",
    "check_key_fits_alg",
    "generate_private_key",
    "new_kid",
    "private_key_from_der",
    "private_key_to_der",
    "public_jwk",
    "public_key_from_jwk",
]

RSA_MIN_BITS = 2048
_RSA_GENERATE_BITS = 2048
_RSA_EXPONENT = 65537
_P256_COORDINATE_BYTES = 32
_ED25519_KEY_BYTES = 32
_KID_RANDOM_CHARS = 16
# Members that only a private (or symmetric) JWK carries: RFC 7518 §6.2.2, §6.3.2, §6.4.1
# and RFC 8037 §2.
_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class SigningAlg(StrEnum):
    RS256 = "RS256"
    ES256 = "ES256"
    EdDSA = "EdDSA"


class KeyState(StrEnum):
    NEXT = "next"
    ACTIVE = "active"
    RETIRED = "retired"


PrivateKey: TypeAlias = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | Ed25519PrivateKey
PublicKey: TypeAlias = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | Ed25519PublicKey


def generate_private_key(alg: SigningAlg) -> PrivateKey:
    """A fresh private key for ``alg``: RSA-2048 (e=65537), EC P-256 or Ed25519."""
    if alg is SigningAlg.RS256:
        return rsa.generate_private_key(public_exponent=_RSA_EXPONENT, key_size=_RSA_GENERATE_BITS)
    if alg is SigningAlg.ES256:
        return ec.generate_private_key(ec.SECP256R1())
    if alg is SigningAlg.EdDSA:
        return Ed25519PrivateKey.generate()
    raise ValueError(f"unsupported signing algorithm {alg!r}")


def new_kid(alg: SigningAlg) -> str:
    """A new key id such as ``es256-3fQ9kT0bLm2ZxYv7``: the algorithm, then 16 base62 chars."""
    return f"{SigningAlg(alg).value.lower()}-{random_base62_string(_KID_RANDOM_CHARS)}"


def check_key_fits_alg(key: PrivateKey | PublicKey, alg: SigningAlg) -> None:
    """Raise ``ValueError`` unless ``key`` (private or public) is usable with ``alg``."""
    if alg is SigningAlg.RS256:
        if not isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
            raise ValueError("RS256 needs an RSA key")
        if key.key_size < RSA_MIN_BITS:
            raise ValueError(f"RS256 keys must be at least {RSA_MIN_BITS} bits")
    elif alg is SigningAlg.ES256:
        if not isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
            raise ValueError("ES256 needs an EC key")
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("ES256 needs a key on the P-256 curve")
    elif alg is SigningAlg.EdDSA:
        if not isinstance(key, Ed25519PrivateKey | Ed25519PublicKey):
            raise ValueError("EdDSA needs an Ed25519 key")
    else:
        raise ValueError(f"unsupported signing algorithm {alg!r}")


def private_key_to_der(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 DER. The caller must seal it before it touches storage."""
    return key.private_bytes(
        encoding=serialization.Encoding.DER,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def private_key_from_der(data: bytes, alg: SigningAlg) -> PrivateKey:
    """Load a PKCS#8 DER private key and check that it fits ``alg``."""
    try:
        key = serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ValueError("not a valid unencrypted PKCS#8 DER private key") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | Ed25519PrivateKey):
        raise ValueError(f"{alg} cannot use a {type(key).__name__}")
    check_key_fits_alg(key, alg)
    return key


def _uint_to_b64(value: int) -> str:
    return b64url_encode(value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def public_jwk(key: PublicKey, kid: str, alg: SigningAlg) -> dict[str, str]:
    """The public JWK for ``key``, ready to publish in a JWKS."""
    if not kid:
        raise ValueError("a JWK needs a non-empty kid")
    check_key_fits_alg(key, alg)
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        return {
            "kty": "RSA",
            "kid": kid,
            "use": "sig",
            "alg": alg.value,
            "n": _uint_to_b64(numbers.n),
            "e": _uint_to_b64(numbers.e),
        }
    if isinstance(key, ec.EllipticCurvePublicKey):
        point = key.public_numbers()
        return {
            "kty": "EC",
            "kid": kid,
            "use": "sig",
            "alg": alg.value,
            "crv": "P-256",
            "x": b64url_encode(point.x.to_bytes(_P256_COORDINATE_BYTES, "big")),
            "y": b64url_encode(point.y.to_bytes(_P256_COORDINATE_BYTES, "big")),
        }
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {
        "kty": "OKP",
        "kid": kid,
        "use": "sig",
        "alg": alg.value,
        "crv": "Ed25519",
        "x": b64url_encode(raw),
    }


def _member(jwk: Mapping[str, Any], name: str) -> str:
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"JWK member {name!r} is missing or not a non-empty string")
    return value


def _b64_member(jwk: Mapping[str, Any], name: str, size: int | None = None) -> bytes:
    try:
        raw = b64url_decode(_member(jwk, name))
    except ValueError:
        raise ValueError(f"JWK member {name!r} is not valid base64url") from None
    if size is not None and len(raw) != size:
        raise ValueError(f"JWK member {name!r} must be {size} bytes")
    return raw


def public_key_from_jwk(jwk: Mapping[str, Any]) -> tuple[PublicKey, SigningAlg]:
    """Import a public signing JWK strictly; refuses private members and any mismatch."""
    if not isinstance(jwk, Mapping):
        raise ValueError("a JWK must be a JSON object")
    if _PRIVATE_JWK_MEMBERS.intersection(jwk):
        raise ValueError("refusing a JWK that carries private or symmetric key material")
    kty = _member(jwk, "kty")
    try:
        alg = SigningAlg(_member(jwk, "alg"))
    except ValueError:
        raise ValueError("JWK 'alg' must be one of RS256, ES256, EdDSA") from None
    use = jwk.get("use")
    if use is not None and use != "sig":
        raise ValueError("JWK 'use' must be 'sig' for a signing key")
    key_ops = jwk.get("key_ops")
    if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
        raise ValueError("JWK 'key_ops' must be a list that includes 'verify'")
    key: PublicKey
    if alg is SigningAlg.RS256:
        if kty != "RSA":
            raise ValueError("RS256 needs a JWK with kty 'RSA'")
        n = int.from_bytes(_b64_member(jwk, "n"), "big")
        e = int.from_bytes(_b64_member(jwk, "e"), "big")
        if e < 3 or e % 2 == 0:
            raise ValueError("JWK RSA exponent is not valid")
        if n.bit_length() < RSA_MIN_BITS:
            raise ValueError(f"RS256 keys must be at least {RSA_MIN_BITS} bits")
        try:
            key = rsa.RSAPublicNumbers(e, n).public_key()
        except ValueError:
            raise ValueError("JWK is not a valid RSA public key") from None
    elif alg is SigningAlg.ES256:
        if kty != "EC" or _member(jwk, "crv") != "P-256":
            raise ValueError("ES256 needs a JWK with kty 'EC' and crv 'P-256'")
        x = int.from_bytes(_b64_member(jwk, "x", _P256_COORDINATE_BYTES), "big")
        y = int.from_bytes(_b64_member(jwk, "y", _P256_COORDINATE_BYTES), "big")
        try:
            key = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        except ValueError:
            raise ValueError("JWK point is not on the P-256 curve") from None
    else:
        if kty != "OKP" or _member(jwk, "crv") != "Ed25519":
            raise ValueError("EdDSA needs a JWK with kty 'OKP' and crv 'Ed25519'")
        try:
            key = Ed25519PublicKey.from_public_bytes(_b64_member(jwk, "x", _ED25519_KEY_BYTES))
        except ValueError:
            raise ValueError("JWK is not a valid Ed25519 public key") from None
    return key, alg
