"""End users, their sessions and consents; every query scoped to one app."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.domain.tenancy import Tenant
from bastion.store.schema import Consent, EndUser, RefreshToken, Session
from bastion.store.scoping import scoped


async def user_by_identifier(
    session: AsyncSession, tenant: Tenant, identifier: str
) -> EndUser | None:
    """By normalised email or username (both unique per app)."""
    stmt = scoped(select(EndUser), EndUser, tenant).where(
        or_(EndUser.email == identifier, EndUser.username == identifier)
    )
    found: EndUser | None = await session.scalar(stmt)
    return found


async def user_by_id(session: AsyncSession, tenant: Tenant, user_id: str) -> EndUser | None:
    stmt = scoped(select(EndUser), EndUser, tenant).where(EndUser.id == user_id)
    found: EndUser | None = await session.scalar(stmt)
    return found


async def user_in_app(session: AsyncSession, app_id: str, user_id: str) -> EndUser | None:
    """For the engine, which knows the app (realm) but not the workspace."""
    found: EndUser | None = await session.scalar(
        select(EndUser).where(EndUser.app_id == app_id, EndUser.id == user_id)
    )
    return found


async def session_by_digest(session: AsyncSession, digest: bytes) -> Session | None:
    found: Session | None = await session.scalar(
        select(Session).where(Session.secret_digest == digest)
    )
    return found


async def revoke_sessions(
    session: AsyncSession,
    tenant: Tenant,
    now: datetime,
    *,
    user_id: str | None = None,
    session_id: str | None = None,
) -> None:
    """End sessions (one, or all of a user's) and the refresh tokens they own."""
    stmt = scoped(update(Session), Session, tenant).where(Session.revoked_at.is_(None))
    tokens = scoped(update(RefreshToken), RefreshToken, tenant).where(
        RefreshToken.revoked_at.is_(None)
    )
    if session_id is not None:
        stmt = stmt.where(Session.id == session_id)
        tokens = tokens.where(RefreshToken.session_id == session_id)
    if user_id is not None:
        stmt = stmt.where(Session.end_user_id == user_id)
        owned = select(Session.id).where(Session.end_user_id == user_id)
        tokens = tokens.where(RefreshToken.session_id.in_(owned))
    await session.execute(stmt.values(revoked_at=now))
    await session.execute(tokens.values(revoked_at=now))


async def consent_of(
    session: AsyncSession, tenant: Tenant, user_id: str, client_id: str
) -> Consent | None:
    stmt = scoped(select(Consent), Consent, tenant).where(
        Consent.end_user_id == user_id, Consent.client_id == client_id
    )
    found: Consent | None = await session.scalar(stmt)
    return found
