"""Compact JWS (RFC 7515) parsing and the asymmetric signature algorithms (RFC 7518, RFC 8037).

There is deliberately no `none` and no HMAC (`HS*`) here: a verifier that holds
public keys must never accept a symmetric signature, or anyone could sign a token
with the published public key as the HMAC secret.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ._errors import InvalidToken

PublicKey = (
    rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey
)
# (key, signature, signing input) -> valid. The key is typed Any here because each function
# takes its own algorithm's key type, which key selection has checked (see below).
Verify = Callable[[Any, bytes, bytes], bool]

# base64url to standard base64, with the standard alphabet's own "+", "/" and "=" turned
# into "!", which the strict decoder refuses like any other character outside the alphabet.
_TO_STANDARD = bytes.maketrans(b"-_+/=", b"+/!!!")
_PADDING = (b"", b"", b"==", b"=")
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# The last character of a segment of 4n + 2 (4n + 3) characters carries 4 (2) bits that encode
# nothing; canonical base64url sets them to zero, so only these characters may end it.
_CANONICAL_LAST = (
    None,
    None,
    frozenset(_ALPHABET[i] for i in range(0, 64, 16)),
    frozenset(_ALPHABET[i] for i in range(0, 64, 4)),
)


def b64url_decode(segment: bytes) -> bytes:
    """Strict base64url without padding: any other character is an error.

    Strictness matters beyond parsing: a lenient decoder that skips stray characters
    lets one token be spelt many ways, which defeats deny-lists keyed on the token.
    One translation pass; the strict decoder then refuses anything left outside the
    alphabet and a length of 4n + 1, and a non-zero unused last bit is refused here.
    """
    last = _CANONICAL_LAST[len(segment) % 4]
    if last is not None and segment[-1] not in last:
        raise InvalidToken("the token is not three base64url segments")
    try:
        return binascii.a2b_base64(
            segment.translate(_TO_STANDARD) + _PADDING[len(segment) % 4], strict_mode=True
        )
    except binascii.Error:
        raise InvalidToken("the token is not three base64url segments") from None


# The verify functions trust the key's Python type: `VerificationKey.accepts` checked it
# against `Algorithm.key_type` when the key was selected for this algorithm (once per kid
# and alg, memoised by the key set), so the per-token path does not repeat it (nor pays
# for a `typing.cast` call).


def _rsa(pad: padding.AsymmetricPadding, algorithm: hashes.HashAlgorithm) -> Verify:
    def verify(key: rsa.RSAPublicKey, signature: bytes, data: bytes) -> bool:
        try:
            key.verify(signature, data, pad, algorithm)
        except InvalidSignature:
            return False
        return True

    return verify


def _pss(algorithm: hashes.HashAlgorithm) -> Verify:
    pad = padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)
    return _rsa(pad, algorithm)


def _ecdsa(algorithm: hashes.HashAlgorithm, size: int) -> Verify:
    scheme = ec.ECDSA(algorithm)

    def verify(key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> bool:
        # JWS carries ECDSA signatures as fixed-size R || S (RFC 7518 §3.4), not DER.
        if len(signature) != 2 * size:
            return False
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        try:
            key.verify(encode_dss_signature(r, s), data, scheme)
        except InvalidSignature:
            return False
        return True

    return verify


def _eddsa(
    key: ed25519.Ed25519PublicKey | ed448.Ed448PublicKey, signature: bytes, data: bytes
) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Algorithm:
    kty: str
    crv: frozenset[str] | None
    key_type: type | tuple[type, ...]
    verify: Verify = field(repr=False)


_RSA, _EC = rsa.RSAPublicKey, ec.EllipticCurvePublicKey
_OKP = (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)
_PKCS1 = padding.PKCS1v15()
ALGORITHMS: dict[str, Algorithm] = {
    "RS256": Algorithm("RSA", None, _RSA, _rsa(_PKCS1, hashes.SHA256())),
    "RS384": Algorithm("RSA", None, _RSA, _rsa(_PKCS1, hashes.SHA384())),
    "RS512": Algorithm("RSA", None, _RSA, _rsa(_PKCS1, hashes.SHA512())),
    "PS256": Algorithm("RSA", None, _RSA, _pss(hashes.SHA256())),
    "PS384": Algorithm("RSA", None, _RSA, _pss(hashes.SHA384())),
    "PS512": Algorithm("RSA", None, _RSA, _pss(hashes.SHA512())),
    "ES256": Algorithm("EC", frozenset({"P-256"}), _EC, _ecdsa(hashes.SHA256(), 32)),
    "ES384": Algorithm("EC", frozenset({"P-384"}), _EC, _ecdsa(hashes.SHA384(), 48)),
    "ES512": Algorithm("EC", frozenset({"P-521"}), _EC, _ecdsa(hashes.SHA512(), 66)),
    "EdDSA": Algorithm("OKP", frozenset({"Ed25519", "Ed448"}), _OKP, _eddsa),
    "Ed25519": Algorithm("OKP", frozenset({"Ed25519"}), _OKP, _eddsa),
}
DEFAULT_ALGORITHMS = frozenset({"RS256", "ES256", "EdDSA"})


@dataclass(frozen=True, slots=True)
class Header:
    alg: str
    kid: str | None
    typ: str | None
    raw: Mapping[str, Any] = field(repr=False)


# A split compact JWS: checked header, payload segment, signing input, signature bytes.
# A plain tuple, unpacked by the caller: this runs for every token.
Parts = tuple[Header, bytes, bytes, bytes]


def parse_header(segment: bytes) -> Header:
    """Decode and shape-check a protected header (algorithm policy is the caller's)."""
    try:
        raw = json.loads(b64url_decode(segment))
    except ValueError:
        raise InvalidToken("the token's header is not JSON") from None
    if not isinstance(raw, dict):
        raise InvalidToken("the token's header is not a JSON object")
    alg, kid, typ = raw.get("alg"), raw.get("kid"), raw.get("typ")
    if not isinstance(alg, str):
        raise InvalidToken("the token's header has no 'alg'")
    if kid is not None and not isinstance(kid, str):
        raise InvalidToken("the token's 'kid' is not a string")
    if typ is not None and not isinstance(typ, str):
        raise InvalidToken("the token's 'typ' is not a string")
    if "crit" in raw:
        raise InvalidToken("the token has critical header extensions this verifier does not know")
    return Header(alg, kid, typ, raw)
