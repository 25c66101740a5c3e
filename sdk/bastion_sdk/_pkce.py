"""PKCE (RFC 7636) and the other random values of an authorization request.

Characters are drawn with `secrets.choice`, which samples uniformly (rejection
sampling inside `secrets.randbelow`), so there is no modulo bias: every one of the 66
unreserved characters has probability exactly 1/66, i.e. log2(66) ≈ 6.04 bits each.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import string

VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"
_VERIFIER_RE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def generate_code_verifier(length: int = 64) -> str:
    """A fresh PKCE code verifier of `length` characters (43 to 128, RFC 7636 §4.1)."""
    if not 43 <= length <= 128:
        raise ValueError(f"a PKCE code verifier has 43 to 128 characters, not {length}")
    return "".join(secrets.choice(VERIFIER_ALPHABET) for _ in range(length))


def code_challenge(verifier: str) -> str:
    """The S256 code challenge: BASE64URL(SHA256(ASCII(verifier))) without padding."""
    if not _VERIFIER_RE.fullmatch(verifier):
        raise ValueError("a PKCE code verifier is 43 to 128 characters of [A-Za-z0-9-._~]")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def generate_state() -> str:
    """An unguessable `state` (or `nonce`) value: 256 random bits, base64url."""
    return secrets.token_urlsafe(32)
