"""Sign-in sessions of end users: created at sign-in, carried by a browser cookie, ended by
sign-out, password reset or expiry. The cookie holds a random secret; the database holds only
its keyed hash. Each session owns the refresh tokens issued under it (OIDC ``sid``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bastion.crypto.secrets import KeyedHasher, new_opaque_token
from bastion.domain.credentials import PREFIXES, CredentialKind
from bastion.domain.ids import new_id
from bastion.domain.tenancy import Tenant
from bastion.oauth.grant_models import LiveSession, SignIn
from bastion.store.db import Database
from bastion.store.repositories import events, people
from bastion.store.schema import Session
from bastion.store.types import utcnow


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: str
    tenant: Tenant
    user_id: str
    auth_time: datetime
    amr: tuple[str, ...]
    expires_at: datetime

    @property
    def sign_in(self) -> SignIn:
        return SignIn(
            subject=self.user_id, session_id=self.id, auth_time=self.auth_time, amr=self.amr
        )


def _info(row: Session) -> SessionInfo:
    assert row.workspace_id is not None and row.end_user_id is not None
    return SessionInfo(
        id=row.id,
        tenant=Tenant(row.workspace_id, row.app_id),
        user_id=row.end_user_id,
        auth_time=row.auth_time,
        amr=tuple(row.amr),
        expires_at=row.expires_at,
    )


def _live(row: Session | None, now: datetime) -> bool:
    return row is not None and row.revoked_at is None and row.expires_at > now


class SessionService:
    def __init__(self, db: Database, hasher: KeyedHasher, *, ttl: int) -> None:
        self.db = db
        self.hasher = hasher
        self.ttl = ttl

    async def create(
        self,
        tenant: Tenant,
        user_id: str,
        *,
        amr: tuple[str, ...],
        ip: str | None,
        user_agent: str | None,
    ) -> tuple[SessionInfo, str]:
        """A new session and the cookie secret that carries it (shown to the browser only)."""
        secret = new_opaque_token(PREFIXES[CredentialKind.BROWSER_SESSION])
        now = utcnow()
        row = Session(
            id=new_id(),
            workspace_id=tenant.workspace_id,
            app_id=tenant.app_id,
            end_user_id=user_id,
            secret_digest=self.hasher.digest(secret),
            amr=list(amr),
            ip=ip,
            user_agent=(user_agent or "")[:512] or None,
            auth_time=now,
            last_used_at=now,
            expires_at=now + timedelta(seconds=self.ttl),
        )
        await self.db.add(
            row,
            events.audit_event(
                action="session.created",
                actor_type="end_user",
                actor_id=user_id,
                workspace_id=tenant.workspace_id,
                app_id=tenant.app_id,
                resource=f"session/{row.id}",
                details={"amr": list(amr)},
            ),
        )
        return _info(row), secret

    async def from_cookie(self, app_id: str, secret: str | None) -> SessionInfo | None:
        """The live session this cookie secret carries in this app, if any."""
        if not secret or len(secret) > 128:
            return None
        async with self.db.read() as session:
            row = await people.session_by_digest(session, self.hasher.digest(secret))
        if row is None or row.app_id != app_id or not _live(row, utcnow()):
            return None
        return _info(row)

    async def live_session(self, session_id: str) -> LiveSession | None:
        """The engine's :class:`~bastion.oauth.ports.Sessions` (a read by primary key, so no
        ORM session)."""
        row = await self.db.fetch_row(people.SESSIONS, "id", session_id)
        return people.live_session(row, utcnow()) if row is not None else None

    async def end(self, info: SessionInfo) -> None:
        async with self.db.write() as session:
            await people.revoke_sessions(session, info.tenant, utcnow(), session_id=info.id)
            events.record_audit(
                session,
                action="session.ended",
                actor_type="end_user",
                actor_id=info.user_id,
                workspace_id=info.tenant.workspace_id,
                app_id=info.tenant.app_id,
                resource=f"session/{info.id}",
            )
