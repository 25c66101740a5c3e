"""State of hosted-page flows: interactions (authorize or device approval in progress),
emailed one-time codes, and the mail outbox of the embedded default."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bastion.store.schema.base import ID, AppOwned, Base, Timestamps


class Interaction(AppOwned, Timestamps, Base):
    """One person's way through the hosted pages, from the engine's hand-off to its finish.

    ``request`` holds the validated authorization request (or the device code being approved);
    the browser that started it is bound by the keyed hash of its browser cookie.
    """

    __tablename__ = "interactions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "authorize" or "device"
    issuer_id: Mapped[str] = mapped_column(ID, ForeignKey("issuers.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(128))
    browser_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    request: Mapped[dict[str, Any]]
    session_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("sessions.id", ondelete="CASCADE")
    )
    expires_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]


class OneTimeCode(AppOwned, Timestamps, Base):
    """A six-digit code mailed to an end user (email verification, password reset)."""

    __tablename__ = "one_time_codes"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    end_user_id: Mapped[str] = mapped_column(
        ID, ForeignKey("end_users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(32))
    digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]


class OutboxMessage(Timestamps, Base):
    """Mail kept when no SMTP server is configured. The body is sealed under the master key
    (it carries one-time codes), so only `bastion mail outbox` can read it."""

    __tablename__ = "outbox_messages"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    app_id: Mapped[str | None] = mapped_column(ID, ForeignKey("apps.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    sealed_body: Mapped[bytes] = mapped_column(LargeBinary)
