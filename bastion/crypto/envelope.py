"""Encryption at rest for private keys and other server secrets.

A single 32-byte master key (from the environment at scale, or a 0600 file in embedded mode)
never encrypts anything itself: purpose-bound subkeys are derived from it with HKDF-SHA256
(RFC 5869 §2.2 and §2.3, salt absent, ``info = "bastion/" + purpose``). Sealed blobs use
AES-256-GCM (NIST SP 800-38D; the AEAD interface of RFC 5116 §2) with a fresh 96-bit random
nonce per message and caller-supplied associated data that binds the ciphertext to its row
(for example the key id and tenant), so a blob copied to another row fails to open. The blob
layout is ``version (0x01) || nonce (12) || ciphertext || tag (16)``. Text forms of the
master key use base64 (RFC 4648 §4) or base64url (RFC 4648 §5), padding optional.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import pathlib
import re
import stat

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bastion.crypto.encoding import b64url_encode

__all__ = ["MasterKey", "MasterKeyError", "SealError", "Sealer"]

MASTER_KEY_BYTES = 32
_NONCE_BYTES = 12
_TAG_BYTES = 16
_SEAL_VERSION = b"\x01"
_MAX_HKDF_LENGTH = 255 * 32
_KEY_TEXT_RE = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
# A key file is a single line of text; anything much larger is not a key file.
_MAX_KEY_FILE_BYTES = 1024


class MasterKeyError(ValueError):
    """The master key is missing, malformed or badly protected. Never carries key material."""


class SealError(Exception):
    """A sealed blob could not be opened (unknown version, truncated, tampered or wrong AAD)."""


class MasterKey:
    """The root secret from which every at-rest encryption key and pepper is derived."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != MASTER_KEY_BYTES:
            raise MasterKeyError(f"the master key must be exactly {MASTER_KEY_BYTES} bytes")
        self._key = key

    def __repr__(self) -> str:
        return f"MasterKey(fingerprint={self.fingerprint()!r})"

    @classmethod
    def generate(cls) -> MasterKey:
        """Create a new random master key."""
        return cls(os.urandom(MASTER_KEY_BYTES))

    @classmethod
    def from_text(cls, value: str) -> MasterKey:
        """Parse a master key written as base64url or standard base64, padding optional."""
        text = value.strip()
        expected = (
            f"the master key must be {MASTER_KEY_BYTES} random bytes written as base64url "
            "or base64 (43 characters without padding); generate one with "
            '`python -c "import os, base64; print(base64.urlsafe_b64encode(os.urandom(32))'
            '.decode())"`'
        )
        if not text:
            raise MasterKeyError(f"the master key is empty: {expected}")
        if _KEY_TEXT_RE.fullmatch(text) is None:
            raise MasterKeyError(f"the master key contains characters outside base64: {expected}")
        body = text.rstrip("=")
        if ("-" in body or "_" in body) and ("+" in body or "/" in body):
            raise MasterKeyError(f"the master key mixes base64 and base64url alphabets: {expected}")
        body = body.replace("-", "+").replace("_", "/")
        try:
            raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise MasterKeyError(f"the master key is not valid base64: {expected}") from None
        if len(raw) != MASTER_KEY_BYTES:
            raise MasterKeyError(f"the master key decodes to {len(raw)} bytes: {expected}")
        return cls(raw)

    @classmethod
    def load_or_create(cls, path: pathlib.Path) -> MasterKey:
        """Read the key file at ``path``, creating it (mode 0600) on first start.

        An existing file that its group or other users may read or write is refused: the fix is
        ``chmod 600 <path>``. Creation uses ``O_CREAT | O_EXCL`` so two processes starting at
        once never overwrite each other; the loser reads the winner's key.
        """
        path = pathlib.Path(path)
        try:
            return cls._read_file(path)
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = cls.generate()
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:
            return cls._read_file(path)
        try:
            with os.fdopen(fd, "wb") as handle:
                if hasattr(os, "fchmod"):
                    os.fchmod(handle.fileno(), 0o600)
                handle.write(key.to_text().encode("ascii") + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        return key

    @classmethod
    def _read_file(cls, path: pathlib.Path) -> MasterKey:
        flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise MasterKeyError(
                f"cannot open the master key file {path}: {exc.strerror}"
            ) from None
        try:
            # Checked on the open descriptor, so the file cannot be swapped in between.
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise MasterKeyError(f"the master key file {path} is not a regular file")
            if os.name == "posix" and info.st_mode & 0o077:
                raise MasterKeyError(
                    f"the master key file {path} is accessible to other users "
                    f"(mode {stat.S_IMODE(info.st_mode):04o}); run `chmod 600 {path}` "
                    "so that only its owner can read it"
                )
            data = os.read(fd, _MAX_KEY_FILE_BYTES + 1)
        finally:
            os.close(fd)
        if len(data) > _MAX_KEY_FILE_BYTES:
            raise MasterKeyError(f"the master key file {path} is too large to be a key file")
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise MasterKeyError(f"the master key file {path} is not ASCII text") from None
        try:
            return cls.from_text(text)
        except MasterKeyError as exc:
            raise MasterKeyError(f"the master key file {path} is invalid: {exc}") from None

    def to_text(self) -> str:
        """The key as unpadded base64url text. This is the secret itself: never log it."""
        return b64url_encode(self._key)

    def derive(self, purpose: str, length: int = 32) -> bytes:
        """Derive an independent subkey for ``purpose`` with HKDF-SHA256 (RFC 5869)."""
        if not purpose:
            raise ValueError("a key derivation purpose is required")
        if not 1 <= length <= _MAX_HKDF_LENGTH:
            raise ValueError(f"derived key length must be between 1 and {_MAX_HKDF_LENGTH}")
        hkdf = HKDF(
            algorithm=hashes.SHA256(),
            length=length,
            salt=None,
            info=b"bastion/" + purpose.encode("utf-8"),
        )
        return hkdf.derive(self._key)

    def fingerprint(self) -> str:
        """A short, non-secret identifier of this key, safe to print in logs."""
        return hashlib.sha256(self.derive("fingerprint")).hexdigest()[:8]

    def sealer(self, purpose: str) -> Sealer:
        """A ``Sealer`` keyed with the subkey derived for ``purpose``."""
        return Sealer(self.derive(purpose, MASTER_KEY_BYTES))


class Sealer:
    """AES-256-GCM sealing with a random nonce and a version byte."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != 32:
            raise ValueError("a Sealer key must be exactly 32 bytes")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "Sealer(<AES-256-GCM>)"

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        """Encrypt and authenticate ``plaintext``, binding it to ``aad``."""
        nonce = os.urandom(_NONCE_BYTES)
        return _SEAL_VERSION + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        """Decrypt a blob made by :meth:`seal` with the same key and ``aad``."""
        if len(blob) < 1 + _NONCE_BYTES + _TAG_BYTES:
            raise SealError("sealed blob is too short")
        if blob[:1] != _SEAL_VERSION:
            raise SealError("sealed blob has an unknown format version")
        nonce = blob[1 : 1 + _NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, blob[1 + _NONCE_BYTES :], aad)
        except InvalidTag:
            raise SealError(
                "sealed blob failed authentication (wrong key, wrong associated data, or tampered)"
            ) from None
