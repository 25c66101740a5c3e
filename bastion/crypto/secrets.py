"""Opaque credentials: random tokens, checksums and keyed hashes.

Refresh tokens, signer sessions, API keys and client secrets are ``prefix + body + checksum``:
the body is ``nbytes`` of OS randomness written in base62 by exact integer conversion (no
modulo bias, fixed width), and the checksum is the CRC-32 (ISO-HDLC, as in RFC 1952 §8) of
``prefix + body`` in six base62 digits, so that secret scanners can recognise a token without
a database. Only a keyed hash is stored: HMAC-SHA256 (RFC 2104, FIPS 180-4) under a server
pepper, compared in constant time. These secrets carry at least 128 bits of entropy, so they
are never stretched with a password hash: one HMAC and one indexed read per lookup is what
keeps the token endpoint fast.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets as _stdlib_secrets
import zlib

__all__ = [
    "BASE62_ALPHABET",
    "CHECKSUM_LENGTH",
    "KeyedHasher",
    "constant_time_equals",
    "has_valid_checksum",
    "new_opaque_token",
    "random_base62",
    "random_base62_string",
]

BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CHECKSUM_LENGTH = 6  # 62**6 > 2**32, so every CRC-32 fits
MIN_TOKEN_BYTES = 16
MIN_PEPPER_BYTES = 16
_BASE62_SET = frozenset(BASE62_ALPHABET)


@functools.lru_cache(maxsize=64)
def _base62_width(nbytes: int) -> int:
    """Smallest number of base62 digits that can hold any ``nbytes``-byte integer."""
    limit = 1 << (8 * nbytes)
    width, capacity = 0, 1
    while capacity < limit:
        width += 1
        capacity *= 62
    return width


def _to_base62(value: int, width: int) -> str:
    digits = ["0"] * width
    index = width
    while value:
        value, digit = divmod(value, 62)
        index -= 1
        digits[index] = BASE62_ALPHABET[digit]
    if index < 0:
        raise ValueError("value does not fit the requested base62 width")
    return "".join(digits)


def random_base62(nbytes: int) -> str:
    """``nbytes`` of OS randomness as fixed-width base62 (length depends only on ``nbytes``)."""
    if nbytes < 1:
        raise ValueError("nbytes must be positive")
    value = int.from_bytes(os.urandom(nbytes), "big")
    return _to_base62(value, _base62_width(nbytes))


def random_base62_string(length: int) -> str:
    """``length`` characters each drawn uniformly from the base62 alphabet."""
    if length < 1:
        raise ValueError("length must be positive")
    return "".join(_stdlib_secrets.choice(BASE62_ALPHABET) for _ in range(length))


def _checksum(prefix: str, body: str) -> str:
    return _to_base62(zlib.crc32((prefix + body).encode("utf-8")), CHECKSUM_LENGTH)


def new_opaque_token(prefix: str, nbytes: int = 32) -> str:
    """A new credential ``prefix + base62 body + 6-char base62 CRC-32 checksum``."""
    if nbytes < MIN_TOKEN_BYTES:
        raise ValueError(f"opaque tokens need at least {MIN_TOKEN_BYTES} random bytes")
    return opaque_token_from_bytes(prefix, os.urandom(nbytes))


def opaque_token_from_bytes(prefix: str, entropy: bytes) -> str:
    """The credential for given entropy, e.g. a key derived from the master key (demo secrets)."""
    if len(entropy) < MIN_TOKEN_BYTES:
        raise ValueError(f"opaque tokens need at least {MIN_TOKEN_BYTES} bytes of entropy")
    body = _to_base62(int.from_bytes(entropy, "big"), _base62_width(len(entropy)))
    return prefix + body + _checksum(prefix, body)


def has_valid_checksum(token: str, prefix: str) -> bool:
    """True when ``token`` starts with ``prefix`` and its trailing checksum matches.

    This only says the string is well formed; it proves nothing about authenticity.
    """
    if not token.startswith(prefix):
        return False
    rest = token[len(prefix) :]
    if len(rest) <= CHECKSUM_LENGTH or not _BASE62_SET.issuperset(rest):
        return False
    body, checksum = rest[:-CHECKSUM_LENGTH], rest[-CHECKSUM_LENGTH:]
    return _checksum(prefix, body) == checksum


class KeyedHasher:
    """HMAC-SHA256 under a server pepper: the only form in which opaque secrets are stored."""

    __slots__ = ("_mac",)

    def __init__(self, pepper: bytes) -> None:
        if not isinstance(pepper, bytes) or len(pepper) < MIN_PEPPER_BYTES:
            raise ValueError(f"the pepper must be at least {MIN_PEPPER_BYTES} bytes")
        self._mac = hmac.new(pepper, digestmod=hashlib.sha256)

    def __repr__(self) -> str:
        return "KeyedHasher(<HMAC-SHA256>)"

    def digest(self, secret: str) -> bytes:
        """The 32-byte HMAC-SHA256 of ``secret`` (UTF-8)."""
        mac = self._mac.copy()
        mac.update(secret.encode("utf-8"))
        return mac.digest()

    def matches(self, secret: str, digest: bytes) -> bool:
        """Constant-time check that ``secret`` hashes to ``digest``."""
        return hmac.compare_digest(self.digest(secret), digest)


def constant_time_equals(a: str | bytes, b: str | bytes) -> bool:
    """Compare two secrets without leaking where they differ (text compared as UTF-8)."""
    left = a.encode("utf-8") if isinstance(a, str) else a
    right = b.encode("utf-8") if isinstance(b, str) else b
    return hmac.compare_digest(left, right)
