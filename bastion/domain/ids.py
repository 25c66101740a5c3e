"""Identifier formats. Identifiers are public; secrets live in :mod:`bastion.domain.credentials`."""

from __future__ import annotations

import secrets
import uuid


def new_id() -> str:
    """A random UUID string: the primary key of every entity."""
    return str(uuid.uuid4())


def new_public_client_id() -> str:
    """``app_<24 hex>``: the shape the builder contract gives public app clients."""
    return "app_" + secrets.token_hex(12)


def new_confidential_client_id() -> str:
    """``m2m_<24 hex>``: machine-to-machine (confidential) clients."""
    return "m2m_" + secrets.token_hex(12)
