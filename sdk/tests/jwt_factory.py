"""Keys, JWKs and tokens for the tests, including deliberately hostile tokens.

Well-formed tokens are signed with PyJWT (an independent implementation), hostile
ones are assembled by hand.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

ISSUER = "https://id.example.test/acme"
AUDIENCE = "https://api.example.test"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64(value: int) -> str:
    return b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def b64json(value: Any) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


@dataclass
class SigningKey:
    kid: str
    alg: str
    private: Any

    def jwk(self, **extra: Any) -> dict[str, Any]:
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            rsa_numbers = public.public_numbers()
            body = {"kty": "RSA", "n": _int_b64(rsa_numbers.n), "e": _int_b64(rsa_numbers.e)}
        elif isinstance(public, ec.EllipticCurvePublicKey):
            numbers = public.public_numbers()
            size = (public.curve.key_size + 7) // 8
            body = {
                "kty": "EC",
                "crv": {256: "P-256", 384: "P-384", 521: "P-521"}[public.curve.key_size],
                "x": b64(numbers.x.to_bytes(size, "big")),
                "y": b64(numbers.y.to_bytes(size, "big")),
            }
        else:
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            body = {"kty": "OKP", "crv": "Ed25519", "x": b64(raw)}
        return {**body, "kid": self.kid, "alg": self.alg, "use": "sig", **extra}

    def public_pem(self) -> bytes:
        pem: bytes = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem


_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_RSA_OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_EC = ec.generate_private_key(ec.SECP256R1())
_ED = ed25519.Ed25519PrivateKey.generate()

RSA_KEY = SigningKey("rsa-1", "RS256", _RSA)
RSA_OTHER = SigningKey("rsa-2", "RS256", _RSA_OTHER)
EC_KEY = SigningKey("ec-1", "ES256", _EC)
ED_KEY = SigningKey("ed-1", "EdDSA", _ED)


def jwks(*keys: SigningKey) -> dict[str, Any]:
    return {"keys": [k.jwk() for k in keys]}


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-123",
        "client_id": "app_test",
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "scope": "read write",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def mint(
    key: SigningKey = RSA_KEY,
    *,
    typ: str | None = "at+jwt",
    kid: str | None = "default",
    headers: dict[str, Any] | None = None,
    **claim_overrides: Any,
) -> str:
    """A well-formed token signed by PyJWT."""
    header: dict[str, Any] = {"typ": typ} if typ is not None else {}
    if kid is not None:
        header["kid"] = key.kid if kid == "default" else kid
    header.update(headers or {})
    token = jwt.encode(claims(**claim_overrides), key.private, algorithm=key.alg, headers=header)
    if typ is None:
        # PyJWT always writes a typ; rebuild the header without it.
        _, payload, _ = token.split(".")
        raw = {"alg": key.alg, **({} if kid is None else {"kid": header["kid"]})}
        signing_input = f"{b64json(raw)}.{payload}"
        return f"{signing_input}.{b64(sign(key, signing_input.encode()))}"
    return token


def sign(key: SigningKey, data: bytes) -> bytes:
    algorithm = jwt.get_algorithm_by_name(key.alg)
    signature: bytes = algorithm.sign(data, key.private)
    return signature


def unsigned(header: dict[str, Any], payload: dict[str, Any], signature: str = "") -> str:
    return f"{b64json(header)}.{b64json(payload)}.{signature}"


def hmac_with_public_key(key: SigningKey = RSA_KEY, *, pem: bool = True) -> str:
    """The classic algorithm-confusion forgery: HS256 keyed with the public key."""
    header = {"alg": "HS256", "typ": "at+jwt", "kid": key.kid}
    signing_input = f"{b64json(header)}.{b64json(claims())}"
    secret = key.public_pem() if pem else json.dumps(key.jwk()).encode()
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"
