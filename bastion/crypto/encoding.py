"""Byte and JSON encodings shared by the crypto package.

Implements the unpadded base64url encoding of RFC 7515 §2 ("Base64url Encoding", with the
padding rules of RFC 4648 §5 removed) and the compact JSON serialisation used for JOSE headers
and JWT claim sets (RFC 7519 §7.1, RFC 8259). Decoding is deliberately strict: padding,
characters outside the URL-safe alphabet, impossible lengths and non-canonical trailing bits
are all refused, so that one byte string has exactly one accepted encoding (no signature
malleability through alternative encodings). JSON goes through orjson, which rejects NaN and
Infinity and invalid UTF-8 as RFC 8259 requires.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import orjson

__all__ = [
    "b64url_decode",
    "b64url_encode",
    "b64url_encode_bytes",
    "json_dumps",
    "json_loads",
]

_B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_B64URL_RE = re.compile(r"[A-Za-z0-9_-]*")
# For a final group of 2 (resp. 3) characters, the low 4 (resp. 2) bits of the last
# character carry no data and must be zero in the canonical encoding.
_SPARE_BITS_MASK = {2: 0b1111, 3: 0b11}


def b64url_encode_bytes(data: bytes) -> bytes:
    """Encode ``data`` as unpadded base64url, returned as ASCII bytes (no str round trip)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def b64url_encode(data: bytes) -> str:
    """Encode ``data`` as unpadded base64url text (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(data: str) -> bytes:
    """Decode unpadded base64url text strictly.

    Raises ``ValueError`` on padding, any character outside ``A-Z a-z 0-9 - _``, a length
    that no byte string encodes to, or non-zero spare bits in the last character.
    """
    if not isinstance(data, str):
        raise ValueError("base64url input must be text")
    if _B64URL_RE.fullmatch(data) is None:
        raise ValueError("base64url input contains a character outside the URL-safe alphabet")
    remainder = len(data) % 4
    if remainder == 1:
        raise ValueError("base64url input has an impossible length")
    if remainder:
        if _B64URL_ALPHABET.index(data[-1]) & _SPARE_BITS_MASK[remainder]:
            raise ValueError("base64url input is not canonically encoded")
        data += "=" * (4 - remainder)
    try:
        return base64.urlsafe_b64decode(data)
    except binascii.Error as exc:  # unreachable after the checks above, kept as a guard
        raise ValueError("invalid base64url input") from exc


def json_dumps(obj: object) -> bytes:
    """Serialise ``obj`` as compact UTF-8 JSON (no whitespace)."""
    return orjson.dumps(obj)


def json_loads(data: bytes | str) -> Any:
    """Parse JSON text; raises ``ValueError`` on anything that is not valid RFC 8259 JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON (at character {exc.pos})") from exc
