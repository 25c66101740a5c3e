"""JWK Sets (RFC 7517) to verification keys, with the selection rules of RFC 7515 §4.1.

Only public signature keys are kept: RSA (at least 2048 bits), EC P-256/384/521 and
OKP Ed25519/Ed448. Keys with `use` other than `sig`, with `key_ops` lacking `verify`,
or of a type this SDK does not verify with are skipped, so one new kind of key in the
set does not break the others. A set that carries private key material is refused:
that is a server leaking its signing keys.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from ._jws import ALGORITHMS, PublicKey

_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_CURVES: dict[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
}
MIN_RSA_BITS = 2048


class JWKSError(ValueError):
    """The document is not an acceptable JWK Set."""


@dataclass(frozen=True, slots=True)
class VerificationKey:
    kid: str | None
    kty: str
    crv: str | None
    alg: str | None
    key: PublicKey = field(repr=False)

    def accepts(self, alg: str) -> bool:
        """Whether this key may verify a signature made with `alg`."""
        spec = ALGORITHMS.get(alg)
        if spec is None or spec.kty != self.kty or not isinstance(self.key, spec.key_type):
            return False
        if self.alg is not None and self.alg != alg:
            return False
        return spec.crv is None or self.crv in spec.crv


def _b64_int(jwk: Mapping[str, Any], name: str) -> int:
    return int.from_bytes(_b64_bytes(jwk, name), "big")


def _b64_bytes(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise JWKSError(f"a {jwk.get('kty')} key lacks {name!r}")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise JWKSError(f"the member {name!r} of a key is not base64url") from None


def _public_key(jwk: Mapping[str, Any]) -> PublicKey | None:
    kty = jwk.get("kty")
    if kty == "RSA":
        n, e = _b64_int(jwk, "n"), _b64_int(jwk, "e")
        if n.bit_length() < MIN_RSA_BITS:
            return None
        return rsa.RSAPublicNumbers(e, n).public_key()
    if kty == "EC":
        curve = _CURVES.get(jwk.get("crv", ""))
        if curve is None:
            return None
        x, y = _b64_int(jwk, "x"), _b64_int(jwk, "y")
        try:
            return ec.EllipticCurvePublicNumbers(x, y, curve).public_key()
        except ValueError:
            raise JWKSError("an EC key's point is not on its curve") from None
    if kty == "OKP":
        crv = jwk.get("crv")
        if crv == "Ed25519":
            return ed25519.Ed25519PublicKey.from_public_bytes(_b64_bytes(jwk, "x"))
        if crv == "Ed448":
            return ed448.Ed448PublicKey.from_public_bytes(_b64_bytes(jwk, "x"))
    return None


def key_from_jwk(jwk: Mapping[str, Any]) -> VerificationKey | None:
    """The verification key of one JWK, or None when it is not usable for verifying."""
    if _PRIVATE_MEMBERS & jwk.keys():
        raise JWKSError("the JWK Set contains private or symmetric key material; refusing it")
    if jwk.get("use", "sig") != "sig":
        return None
    ops = jwk.get("key_ops")
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        return None
    kid, alg, crv = jwk.get("kid"), jwk.get("alg"), jwk.get("crv")
    if kid is not None and not isinstance(kid, str):
        return None
    if alg is not None and alg not in ALGORITHMS:
        return None
    key = _public_key(jwk)
    if key is None:
        return None
    return VerificationKey(
        kid=kid,
        kty=str(jwk["kty"]),
        crv=crv if isinstance(crv, str) else None,
        alg=alg,
        key=key,
    )


class KeySet:
    """The usable keys of one JWKS document, indexed for the verification hot path."""

    __slots__ = ("_by_kid", "_memo", "keys")

    def __init__(self, keys: tuple[VerificationKey, ...]) -> None:
        self.keys = keys
        self._by_kid: dict[str | None, list[VerificationKey]] = {}
        for key in keys:
            self._by_kid.setdefault(key.kid, []).append(key)
        self._memo: dict[tuple[str | None, str], tuple[VerificationKey, ...]] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def candidates(self, kid: str | None, alg: str) -> tuple[VerificationKey, ...]:
        """The keys that may verify a token with this `kid` and `alg`.

        With a `kid`, only keys with that `kid`. Without one, every key that fits the
        algorithm, but only if exactly one does (an ambiguous match is no match).
        """
        memo_key = (kid, alg)
        found = self._memo.get(memo_key)
        if found is None:
            if kid is not None and kid not in self._by_kid:
                return ()  # not memoised: kids come from untrusted tokens
            pool = self._by_kid[kid] if kid is not None else list(self.keys)
            found = tuple(k for k in pool if k.accepts(alg))
            if kid is None and len(found) > 1:
                found = ()
            self._memo[memo_key] = found
        return found


def parse_jwks(document: Any) -> KeySet:
    """A KeySet from a decoded JWKS document, or JWKSError."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JWKSError('the document is not a JWK Set (no "keys" array)')
    keys: list[VerificationKey] = []
    for jwk in document["keys"]:
        if not isinstance(jwk, dict):
            raise JWKSError("a member of the JWK Set's keys is not an object")
        key = key_from_jwk(jwk)
        if key is not None:
            keys.append(key)
    return KeySet(tuple(keys))
