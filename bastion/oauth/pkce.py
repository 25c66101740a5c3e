"""Proof Key for Code Exchange (RFC 7636), S256 only.

``plain`` is refused (RFC 9700 §2.1.1: it protects nothing once the challenge leaks), so a
PKCE downgrade is impossible; a verifier sent for a code issued without a challenge is refused
too (RFC 9700 §4.8.2), so an attacker cannot strip PKCE from a stolen request.
"""

from __future__ import annotations

import hashlib
import re

from bastion.crypto.encoding import b64url_encode
from bastion.crypto.secrets import constant_time_equals
from bastion.oauth.errors import InvalidGrant, InvalidRequest

S256 = "S256"
METHODS = (S256,)
# RFC 7636 §4.1: 43 to 128 unreserved characters.
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
# The S256 challenge is a base64url SHA-256: exactly 43 characters.
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


def s256(verifier: str) -> str:
    return b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())


def check_challenge(challenge: str | None, method: str | None, *, required: bool) -> None:
    """RFC 7636 §4.3, at the authorization endpoint."""
    if challenge is None:
        if method is not None:
            raise InvalidRequest("code_challenge_method without code_challenge")
        if required:
            raise InvalidRequest("code_challenge is required (PKCE with S256)")
        return
    if (method or "plain") != S256:
        raise InvalidRequest("code_challenge_method must be S256")
    if not _CHALLENGE.match(challenge):
        raise InvalidRequest("code_challenge must be a base64url SHA-256 (43 characters)")


def check_verifier(challenge: str | None, verifier: str | None) -> None:
    """RFC 7636 §4.6, at the token endpoint."""
    if challenge is None:
        if verifier is not None:
            raise InvalidGrant("code_verifier sent for a code issued without PKCE")
        return
    if verifier is None:
        raise InvalidGrant("code_verifier is required")
    if not _VERIFIER.match(verifier) or not constant_time_equals(s256(verifier), challenge):
        raise InvalidGrant("code_verifier does not match the code_challenge")
