"""Sign-in sessions and the refresh-token families they own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bastion.store.schema.base import ID, AppOwned, Base, Timestamps
from bastion.store.types import utcnow


class Session(Timestamps, Base):
    """One sign-in of an end user (``app_id`` set) or of an operator account."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(ID, primary_key=True)  # the `sid` claim
    workspace_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    app_id: Mapped[str | None] = mapped_column(ID, ForeignKey("apps.id", ondelete="CASCADE"))
    end_user_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("end_users.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    amr: Mapped[list[str]]
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    auth_time: Mapped[datetime]
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class RefreshToken(AppOwned, Timestamps, Base):
    """A refresh token; rotation links each to its parent within one family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    issuer_id: Mapped[str] = mapped_column(ID, ForeignKey("issuers.id", ondelete="CASCADE"))
    session_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[str] = mapped_column(ID, index=True)
    grant_id: Mapped[str | None] = mapped_column(ID, index=True)
    parent_id: Mapped[str | None] = mapped_column(ID)
    client_id: Mapped[str] = mapped_column(String(128))
    subject: Mapped[str] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(2000), default="")
    audiences: Mapped[list[str]]
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
