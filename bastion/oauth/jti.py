"""Access-token identifiers (``jti``) that vouch for the claims revocation relies on.

A jti is ``<time><random><tag>``:

* ``time``: the minting instant in milliseconds, 12 hex digits, so that jtis minted together
  sort together and the deny-list's index takes a batch of revocations on one page rather than
  on as many pages as rows (measured on a bare ``sqlite3`` loop: 11 µs a row instead of 23);
* ``random``: 16 random bytes (22 base64url characters), which alone make the jti unique;
* ``tag``: the first 16 bytes (22 characters) of HMAC-SHA256, under a key derived from the
  master key and never published, over the issuer, the ``client_id``, the ``exp`` and the two
  parts before it.

Revoking an access token (RFC 7009 §2.1) needs to know that the token is ours and to which
client and until when it was issued: exactly the claims the tag covers. A presented token whose
tag matches its own ``iss``, ``client_id`` and ``exp`` was therefore minted by this server with
those claims, and its jti can be deny-listed without checking the RSA or ECDSA signature (the
tag check costs about 3 µs here, an RS256 verification about 30). A forger would need the tag
key; a holder of the real token, who could alter the other claims but not these, can only
revoke the token it holds, which a client of its app may do anyway. Everything else that reads
a token (introspection, token exchange, the resource servers) still checks its signature.

A jti of another shape (minted before this scheme, or by another issuer) vouches for nothing:
its token is verified as before.
"""

from __future__ import annotations

import secrets
import time

from bastion.crypto.encoding import b64url_encode
from bastion.crypto.secrets import KeyedHasher, constant_time_equals

TIME_DIGITS = 12
RANDOM_BYTES = 16
TAG_BYTES = 16
_RANDOM_CHARS = 22  # unpadded base64url of 16 bytes
_TAG_CHARS = 22
JTI_LENGTH = TIME_DIGITS + _RANDOM_CHARS + _TAG_CHARS


class JtiTags:
    """Mints tagged jtis and checks a presented jti against the claims beside it."""

    __slots__ = ("_mac",)

    def __init__(self, key: bytes) -> None:
        self._mac = KeyedHasher(key)  # a key of its own (``master.derive("jti-tags")``)

    @classmethod
    def ephemeral(cls) -> JtiTags:
        """A key of this process only (tests): its tags vouch for nothing elsewhere."""
        return cls(secrets.token_bytes(32))

    def __repr__(self) -> str:
        return "JtiTags(<HMAC-SHA256>)"

    def mint(self, issuer: str, client_id: str, exp: int) -> str:
        head = f"{time.time_ns() // 1_000_000:0{TIME_DIGITS}x}" + secrets.token_urlsafe(
            RANDOM_BYTES
        )
        return head + self._tag(head, issuer, client_id, exp)

    def vouches(self, jti: str, issuer: str, client_id: str, exp: int) -> bool:
        """Whether ``jti`` was minted here for exactly this issuer, client and expiry."""
        if len(jti) != JTI_LENGTH or not jti.isascii():
            return False
        head, tag = jti[:-_TAG_CHARS], jti[-_TAG_CHARS:]
        return constant_time_equals(self._tag(head, issuer, client_id, exp), tag)

    def _tag(self, head: str, issuer: str, client_id: str, exp: int) -> str:
        # Each field prefixed with its length, so that no two claim sets give the same input.
        expiry = str(exp)
        message = (
            f"{len(head)}:{head},{len(issuer)}:{issuer},"
            f"{len(client_id)}:{client_id},{len(expiry)}:{expiry},"
        )
        return b64url_encode(self._mac.digest(message)[:TAG_BYTES])
