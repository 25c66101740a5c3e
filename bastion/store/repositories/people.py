"""End users, their sessions and consents; every query scoped to one app."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.domain.tenancy import Tenant
from bastion.oauth.grant_models import LiveSession
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


SESSIONS = cast(Table, Session.__table__)
# The columns of a session row that say whether it is live, and what a grant needs of it.
LIVE_SESSION_COLUMNS = (
    "id",
    "end_user_id",
    "app_id",
    "auth_time",
    "amr",
    "expires_at",
    "revoked_at",
)


def live_session(row: Mapping[str, Any], now: datetime, prefix: str = "") -> LiveSession | None:
    """The end user's session in ``row`` (its :data:`LIVE_SESSION_COLUMNS`, each named
    ``prefix + column``) when it is live: not ended, not expired. None otherwise, and when the
    row has no session (an outer join found none)."""
    if row[prefix + "id"] is None or row[prefix + "revoked_at"] is not None:
        return None
    subject = row[prefix + "end_user_id"]
    expires_at = row[prefix + "expires_at"]
    if subject is None or expires_at <= now:
        return None
    return LiveSession(
        id=row[prefix + "id"],
        subject=subject,
        realm=row[prefix + "app_id"] or "",
        auth_time=row[prefix + "auth_time"],
        amr=tuple(row[prefix + "amr"]),
        expires_at=expires_at,
    )


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
