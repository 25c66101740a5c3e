"""Interactions, one-time codes and the mail outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.domain.tenancy import Tenant
from bastion.store.schema import OneTimeCode, OutboxMessage
from bastion.store.scoping import scoped


async def live_codes(
    session: AsyncSession, tenant: Tenant, user_id: str, purpose: str, now: datetime
) -> list[OneTimeCode]:
    stmt = scoped(select(OneTimeCode), OneTimeCode, tenant).where(
        OneTimeCode.end_user_id == user_id,
        OneTimeCode.purpose == purpose,
        OneTimeCode.consumed_at.is_(None),
        OneTimeCode.expires_at > now,
    )
    return list(await session.scalars(stmt.order_by(OneTimeCode.created_at.desc())))


async def outbox(session: AsyncSession, limit: int) -> list[OutboxMessage]:
    rows = await session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.created_at.desc()).limit(limit)
    )
    return list(rows)
