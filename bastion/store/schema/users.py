"""End users of an app and the external identities linked to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bastion.store.schema.base import ID, AppOwned, Base, Timestamps
from bastion.store.types import utcnow


class EndUser(AppOwned, Timestamps, Base):
    __tablename__ = "end_users"
    __table_args__ = (
        UniqueConstraint("app_id", "email"),
        UniqueConstraint("app_id", "username"),
        UniqueConstraint("app_id", "external_id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    username: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    email_verified_at: Mapped[datetime | None]
    display_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="active")
    role: Mapped[str] = mapped_column(String(64), default="member")
    external_id: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FederatedIdentity(AppOwned, Timestamps, Base):
    __tablename__ = "federated_identities"
    __table_args__ = (UniqueConstraint("app_id", "provider", "subject"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    end_user_id: Mapped[str] = mapped_column(
        ID, ForeignKey("end_users.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
