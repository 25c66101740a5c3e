"""Audit trail and the change feed that keeps every node's caches honest."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bastion.store.schema.base import ID, Base, Timestamps
from bastion.store.types import AutoIncrementId


class AuditEvent(Timestamps, Base):
    """Written in the same transaction as the change it records."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_workspace_created", "workspace_id", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    app_id: Mapped[str | None] = mapped_column(ID)
    actor_type: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))


class ChangeEvent(Timestamps, Base):
    """Appended in the transaction of any change that cached data depends on; every node polls
    for rows past the last id it saw and drops the matching cache entries."""

    __tablename__ = "change_events"

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(128))
