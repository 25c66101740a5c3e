"""Compact JWS and JWT, written directly on ``cryptography`` for the token endpoint's hot path.

Signing produces the JWS Compact Serialization of RFC 7515 §3.1 and §7.1 with a protected
header of ``alg``, ``typ`` and ``kid`` only (the encoded header is computed once per key and
``typ``). Signatures follow RFC 7518 §3.3 (RS256), §3.4 (ES256, the raw 64-byte ``R || S``
form, not DER) and RFC 8037 §3.1 (EdDSA with Ed25519). Access tokens use ``typ: at+jwt``
(RFC 9068 §2.1). Verification applies RFC 7515 §5.2 and RFC 7519 §7.2 with the hardening of
RFC 8725 §3.1 (the algorithm must be the key's own algorithm, so ``none``, HMAC and algorithm
confusion are refused), §3.11 (explicit ``typ`` check) and RFC 7515 §4.1.11 (any ``crit``
is refused, since no extension is understood). The signature is checked before any claim is
read; ``exp``/``nbf`` use the NumericDate rules of RFC 7519 §2 and §4.1.4-4.1.5 with leeway.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from bastion.crypto.encoding import b64url_decode, b64url_encode_bytes, json_dumps, json_loads
from bastion.crypto.keys import PrivateKey, PublicKey, SigningAlg, check_key_fits_alg

__all__ = [
    "MAX_TOKEN_LENGTH",
    "JwtError",
    "JwtErrorReason",
    "SigningKey",
    "VerificationKey",
    "decode_unverified",
    "verify_jwt",
]

MAX_TOKEN_LENGTH = 16 * 1024
_ES256_COORDINATE_BYTES = 32
_MAX_CACHED_HEADERS = 16  # a handful of typ values per key; the cache must not grow unbounded
_ES256_SIGNATURE_BYTES = 64
_SHA256 = hashes.SHA256()
_PKCS1V15 = padding.PKCS1v15()
_ECDSA_SHA256 = ec.ECDSA(_SHA256)

JwtErrorReason = Literal[
    "malformed",
    "unsupported_alg",
    "unknown_kid",
    "bad_signature",
    "bad_typ",
    "expired",
    "not_yet_valid",
    "issuer_mismatch",
    "audience_mismatch",
    "missing_claim",
    "crit_unsupported",
]


class JwtError(Exception):
    """A token was refused. ``reason`` is a stable code; ``str()`` is for humans and logs."""

    def __init__(self, reason: JwtErrorReason, message: str) -> None:
        super().__init__(message)
        self.reason: JwtErrorReason = reason

    def __repr__(self) -> str:
        return f"JwtError({self.reason!r}, {str(self)!r})"

    def __reduce__(self) -> tuple[type[JwtError], tuple[JwtErrorReason, str]]:
        return (JwtError, (self.reason, str(self)))


def _make_signer(key: PrivateKey) -> Callable[[bytes], bytes]:
    if isinstance(key, rsa.RSAPrivateKey):
        return lambda data: key.sign(data, _PKCS1V15, _SHA256)
    if isinstance(key, ec.EllipticCurvePrivateKey):

        def sign_es256(data: bytes) -> bytes:
            r, s = decode_dss_signature(key.sign(data, _ECDSA_SHA256))
            return r.to_bytes(_ES256_COORDINATE_BYTES, "big") + s.to_bytes(
                _ES256_COORDINATE_BYTES, "big"
            )

        return sign_es256
    return key.sign


def _make_verifier(key: PublicKey) -> Callable[[bytes, bytes], None]:
    """A function ``(signature, signing_input)`` raising ``InvalidSignature`` on failure."""
    if isinstance(key, rsa.RSAPublicKey):
        return lambda sig, data: key.verify(sig, data, _PKCS1V15, _SHA256)
    if isinstance(key, ec.EllipticCurvePublicKey):

        def verify_es256(sig: bytes, data: bytes) -> None:
            if len(sig) != _ES256_SIGNATURE_BYTES:
                raise InvalidSignature
            r = int.from_bytes(sig[:_ES256_COORDINATE_BYTES], "big")
            s = int.from_bytes(sig[_ES256_COORDINATE_BYTES:], "big")
            key.verify(encode_dss_signature(r, s), data, _ECDSA_SHA256)

        return verify_es256
    return key.verify


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """A public key and the one algorithm it may verify, looked up by ``kid``."""

    kid: str
    alg: SigningAlg
    public_key: PublicKey
    _verify: Callable[[bytes, bytes], None] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        check_key_fits_alg(self.public_key, self.alg)
        object.__setattr__(self, "_verify", _make_verifier(self.public_key))


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private key able to sign JWTs under one ``kid`` and one algorithm."""

    kid: str
    alg: SigningAlg
    private_key: PrivateKey = field(repr=False)
    _sign: Callable[[bytes], bytes] = field(init=False, repr=False, compare=False, hash=False)
    _headers: dict[str, bytes] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        if not self.kid:
            raise ValueError("a signing key needs a non-empty kid")
        check_key_fits_alg(self.private_key, self.alg)
        object.__setattr__(self, "_sign", _make_signer(self.private_key))

    def _header_segment(self, typ: str) -> bytes:
        segment = self._headers.get(typ)
        if segment is None:
            if not typ:
                raise ValueError("typ must be a non-empty string")
            header = {"alg": self.alg.value, "typ": typ, "kid": self.kid}
            segment = b64url_encode_bytes(json_dumps(header)) + b"."
            if len(self._headers) < _MAX_CACHED_HEADERS:
                self._headers[typ] = segment
        return segment

    def sign(self, claims: Mapping[str, Any], typ: str = "at+jwt") -> str:
        """Sign ``claims`` as a compact JWS with header ``{"alg", "typ", "kid"}``."""
        payload = orjson.dumps(claims if isinstance(claims, dict) else dict(claims))
        signing_input = self._header_segment(typ) + b64url_encode_bytes(payload)
        signature = self._sign(signing_input)
        return (signing_input + b"." + b64url_encode_bytes(signature)).decode("ascii")

    def verification_key(self) -> VerificationKey:
        """The matching public key, for the local key set and tests."""
        return VerificationKey(self.kid, self.alg, self.private_key.public_key())


def _split(token: str) -> tuple[str, str, str]:
    if not isinstance(token, str):
        raise JwtError("malformed", "token must be text")
    if len(token) > MAX_TOKEN_LENGTH:
        raise JwtError("malformed", f"token is longer than {MAX_TOKEN_LENGTH} characters")
    parts = token.split(".")
    if len(parts) != 3:
        raise JwtError("malformed", "token must have exactly three dot-separated segments")
    return parts[0], parts[1], parts[2]


def _decode_object(segment: str, what: str) -> dict[str, Any]:
    try:
        value = json_loads(b64url_decode(segment))
    except ValueError:
        raise JwtError("malformed", f"token {what} is not base64url-encoded JSON") from None
    if not isinstance(value, dict):
        raise JwtError("malformed", f"token {what} is not a JSON object")
    return value


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parse ``(header, claims)`` strictly WITHOUT checking the signature. Trust nothing here."""
    header_b64, payload_b64, signature_b64 = _split(token)
    header = _decode_object(header_b64, "header")
    claims = _decode_object(payload_b64, "payload")
    try:
        b64url_decode(signature_b64)
    except ValueError:
        raise JwtError("malformed", "token signature is not base64url") from None
    return header, claims


def _normalise_typ(value: str) -> str:
    lowered = value.lower()
    return lowered.removeprefix("application/")


def _numeric_date(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None and name not in claims:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise JwtError("malformed", f"claim {name!r} must be a number (NumericDate)")
    return float(value)


def _check_header(
    header: Mapping[str, Any],
    keys: Mapping[str, VerificationKey],
    algorithms: frozenset[SigningAlg],
) -> VerificationKey:
    alg_value = header.get("alg")
    try:
        alg = SigningAlg(alg_value) if isinstance(alg_value, str) else None
    except ValueError:
        alg = None
    if alg is None or alg not in algorithms:
        raise JwtError("unsupported_alg", "token algorithm is not accepted")
    kid = header.get("kid")
    if kid is None:
        raise JwtError("unknown_kid", "token header has no kid")
    if not isinstance(kid, str):
        raise JwtError("malformed", "token kid is not a string")
    key = keys.get(kid)
    if key is None:
        raise JwtError("unknown_kid", "token kid does not name a known key")
    if key.alg is not alg:
        raise JwtError("unsupported_alg", "token algorithm does not match its key")
    if "crit" in header:
        raise JwtError("crit_unsupported", "token has critical header extensions")
    return key


def _check_claims(
    claims: Mapping[str, Any],
    *,
    issuer: str | None,
    audience: str | None,
    leeway: int,
    now: float,
    required_claims: Sequence[str],
) -> None:
    for name in required_claims:
        if name not in claims:
            raise JwtError("missing_claim", f"token lacks the required claim {name!r}")
    exp = _numeric_date(claims, "exp")
    nbf = _numeric_date(claims, "nbf")
    _numeric_date(claims, "iat")
    if exp is not None and exp <= now - leeway:
        raise JwtError("expired", "token has expired")
    if nbf is not None and nbf > now + leeway:
        raise JwtError("not_yet_valid", "token is not valid yet")
    if issuer is not None:
        if "iss" not in claims:
            raise JwtError("missing_claim", "token lacks the required claim 'iss'")
        if claims["iss"] != issuer or not isinstance(claims["iss"], str):
            raise JwtError("issuer_mismatch", f"token issuer is not {issuer!r}")
    if audience is not None:
        if "aud" not in claims:
            raise JwtError("missing_claim", "token lacks the required claim 'aud'")
        aud = claims["aud"]
        if isinstance(aud, str):
            ok = aud == audience
        elif isinstance(aud, list):
            ok = audience in aud
        else:
            ok = False
        if not ok:
            raise JwtError("audience_mismatch", f"token audience does not include {audience!r}")


def verify_jwt(
    token: str,
    keys: Mapping[str, VerificationKey],
    *,
    issuer: str | None,
    audience: str | None = None,
    typ: str | None = "at+jwt",
    algorithms: frozenset[SigningAlg] = frozenset(SigningAlg),
    leeway: int = 30,
    now: float | None = None,
    required_claims: Sequence[str] = ("iss", "exp", "iat"),
) -> dict[str, Any]:
    """Verify a compact JWS signed by one of ``keys`` and return its validated claims.

    Raises :class:`JwtError` with a stable ``reason`` for every refusal.
    """
    header_b64, payload_b64, signature_b64 = _split(token)
    header = _decode_object(header_b64, "header")
    key = _check_header(header, keys, algorithms)
    try:
        payload = b64url_decode(payload_b64)
        signature = b64url_decode(signature_b64)
    except ValueError:
        raise JwtError("malformed", "token payload or signature is not base64url") from None
    signing_input = token[: len(header_b64) + 1 + len(payload_b64)].encode("ascii")
    try:
        key._verify(signature, signing_input)
    except InvalidSignature:
        raise JwtError("bad_signature", "token signature does not verify") from None
    if typ is not None:
        token_typ = header.get("typ")
        if not isinstance(token_typ, str) or _normalise_typ(token_typ) != _normalise_typ(typ):
            raise JwtError("bad_typ", f"token typ is not {typ!r}")
    try:
        claims = json_loads(payload)
    except ValueError:
        raise JwtError("malformed", "token payload is not JSON") from None
    if not isinstance(claims, dict):
        raise JwtError("malformed", "token payload is not a JSON object")
    _check_claims(
        claims,
        issuer=issuer,
        audience=audience,
        leeway=leeway,
        now=time.time() if now is None else now,
        required_claims=required_claims,
    )
    return claims
