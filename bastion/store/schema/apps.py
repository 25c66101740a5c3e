"""Apps (identity realms), issuers (a URL plus a key set) and their signing keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bastion.store.schema.base import ID, Base, Timestamps, WorkspaceOwned
from bastion.store.types import utcnow


class App(WorkspaceOwned, Timestamps, Base):
    __tablename__ = "apps"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Auth configuration (password policy, session duration, max sessions, link policy...).
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Issuer(Timestamps, Base):
    """One per app (``kind='app'``) plus the shared platform issuer (``kind='platform'``)."""

    __tablename__ = "issuers"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    workspace_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    app_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("apps.id", ondelete="CASCADE"), unique=True
    )
    signing_alg: Mapped[str] = mapped_column(String(16))


class SigningKey(Timestamps, Base):
    """A key pair; the private half is sealed with AES-GCM under the master key."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(
        ID, ForeignKey("issuers.id", ondelete="CASCADE"), index=True
    )
    alg: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    public_jwk: Mapped[dict[str, Any]]
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    activated_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    # A retired key stays published (tokens it signed keep verifying) until this moment.
    publish_until: Mapped[datetime | None]
