"""The change feed and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.domain.ids import new_id
from bastion.domain.tenancy import Tenant
from bastion.store.schema import AuditEvent, ChangeEvent
from bastion.store.scoping import scoped


def append_change(session: AsyncSession, topic: str, ref: str) -> None:
    session.add(ChangeEvent(topic=topic, ref=ref))


async def latest_change_id(session: AsyncSession) -> int:
    value = await session.scalar(select(func.max(ChangeEvent.id)))
    return int(value or 0)


async def changes_after(
    session: AsyncSession, last_id: int, limit: int = 1000
) -> list[tuple[int, str, str]]:
    rows = await session.execute(
        select(ChangeEvent.id, ChangeEvent.topic, ChangeEvent.ref)
        .where(ChangeEvent.id > last_id)
        .order_by(ChangeEvent.id)
        .limit(limit)
    )
    return [(int(r[0]), r[1], r[2]) for r in rows]


async def prune_changes(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(ChangeEvent).where(ChangeEvent.created_at < before))


def audit_event(
    *,
    action: str,
    actor_type: str,
    actor_id: str | None = None,
    workspace_id: str | None = None,
    app_id: str | None = None,
    resource: str | None = None,
    details: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> AuditEvent:
    """A new entry of the audit trail, to be added by the caller's write."""
    return AuditEvent(
        id=new_id(),
        workspace_id=workspace_id,
        app_id=app_id,
        actor_type=actor_type,
        actor_id=actor_id,
        action=action,
        resource=resource,
        details=details or {},
        request_id=request_id,
    )


def record_audit(session: AsyncSession, **entry: Any) -> None:
    """Add an entry of the audit trail (see :func:`audit_event`) to ``session``'s write."""
    session.add(audit_event(**entry))


async def list_audit(session: AsyncSession, tenant: Tenant, limit: int = 50) -> list[AuditEvent]:
    stmt = scoped(select(AuditEvent), AuditEvent, Tenant(tenant.workspace_id))
    if tenant.app_id is not None:
        stmt = stmt.where(AuditEvent.app_id == tenant.app_id)
    rows = await session.scalars(stmt.order_by(AuditEvent.created_at.desc()).limit(limit))
    return list(rows)


async def list_platform_audit(session: AsyncSession, limit: int = 50) -> list[AuditEvent]:
    rows = await session.scalars(
        select(AuditEvent)
        .where(AuditEvent.workspace_id.is_(None))
        .order_by(AuditEvent.created_at.desc())
        .limit(limit)
    )
    return list(rows)
