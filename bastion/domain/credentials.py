"""Prefixes of the opaque credentials Bastion issues.

An opaque credential is ``<prefix><base62 random><checksum>`` (see ``bastion.crypto.secrets``);
only a keyed hash of it is stored. Prefixes tell a human or a secret scanner what leaked.
"""

from __future__ import annotations

from enum import StrEnum


class CredentialKind(StrEnum):
    CLIENT_SECRET = "client_secret"
    REFRESH_TOKEN = "refresh_token"
    SIGNER_SESSION = "signer_session"


PREFIXES: dict[CredentialKind, str] = {
    CredentialKind.CLIENT_SECRET: "bas_cs_",
    CredentialKind.REFRESH_TOKEN: "bas_rt_",
    # The builder contract's opaque remote-signer sessions must look like ``pmth_…``.
    CredentialKind.SIGNER_SESSION: "pmth_",
}
