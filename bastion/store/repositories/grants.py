"""Authorization codes, refresh tokens and device codes: the engine's grant ports.

Every credential is found by its keyed hash (a unique index). Single use is enforced with a
conditional UPDATE (``… WHERE consumed_at IS NULL``) whose row count says who won, which is
atomic on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.domain.ids import new_id
from bastion.oauth.grant_models import (
    AuthorizationCodeRecord,
    DeviceCodeRecord,
    RefreshTokenRecord,
    Rotation,
    SignIn,
)
from bastion.store.db import Database, StatementGroup
from bastion.store.group_commit import GroupCommit
from bastion.store.repositories.people import LIVE_SESSION_COLUMNS, SESSIONS, live_session
from bastion.store.schema import (
    AuthorizationCode,
    DeviceCode,
    Interaction,
    OneTimeCode,
    RefreshToken,
    RevokedJwt,
)
from bastion.store.types import utcnow


def changed_rows(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


async def deny_jtis(
    session: AsyncSession, issuer_id: str, tenant: str, pairs: Iterable[tuple[str | None, datetime]]
) -> None:
    """Put access tokens on the deny-list (they expire on their own by ``expires_at``)."""
    for jti, expires_at in pairs:
        if jti and await session.get(RevokedJwt, jti) is None:
            session.add(
                RevokedJwt(jti=jti, issuer_id=issuer_id, workspace_id=tenant, expires_at=expires_at)
            )


CODES = cast(Table, AuthorizationCode.__table__)
CONSUME_CODE = (
    update(CODES)
    .where(CODES.c.digest == bindparam("key"), CODES.c.consumed_at.is_(None))
    .values(consumed_at=bindparam("now"), issued_jti=bindparam("jti"))
)
REFRESH = cast(Table, RefreshToken.__table__)
# Built once: executed with parameters, they skip building and keying a statement per call.
INSERT_REFRESH = insert(REFRESH)
# The token and its session in one read: a rotation needs both, and each read costs more than
# the join.
FIND_REFRESH = (
    select(REFRESH, *(SESSIONS.c[name].label(f"session__{name}") for name in LIVE_SESSION_COLUMNS))
    .select_from(REFRESH.outerjoin(SESSIONS, SESSIONS.c.id == REFRESH.c.session_id))
    .where(REFRESH.c.digest == bindparam("key"))
)
ROTATE_REFRESH = (
    update(REFRESH)
    .where(REFRESH.c.id == bindparam("token_id"), REFRESH.c.rotated_at.is_(None))
    .values(rotated_at=bindparam("now"))
)


class SqlGrantStore:
    def __init__(self, db: Database, *, access_token_ttl: int) -> None:
        self.db = db
        self.access_token_ttl = access_token_ttl
        # Rotations that arrive together share a transaction (see group_commit), each keyed
        # by the parent it rotates.
        self._refresh_writes: GroupCommit[tuple[str, StatementGroup], int] = GroupCommit(
            self._save_refreshes
        )

    # --- authorization codes (RFC 6749 §4.1) -------------------------------------------

    async def save_code(self, digest: bytes, record: AuthorizationCodeRecord) -> None:
        await self.db.add(
            AuthorizationCode(
                id=new_id(),
                digest=digest,
                workspace_id=record.tenant,
                app_id=record.realm,
                issuer_id=record.issuer_id,
                client_id=record.client_id,
                session_id=record.sign_in.session_id,
                subject=record.sign_in.subject,
                redirect_uri=record.redirect_uri,
                scope=record.scope,
                nonce=record.nonce,
                code_challenge=record.code_challenge,
                code_challenge_method=record.code_challenge_method,
                audiences=[],
                auth_time=record.sign_in.auth_time,
                amr=list(record.sign_in.amr),
                grant_id=record.grant_id,
                expires_at=record.expires_at,
            )
        )

    async def find_code(self, digest: bytes) -> AuthorizationCodeRecord | None:
        async with self.db.read() as session:
            row = await session.scalar(
                select(AuthorizationCode).where(AuthorizationCode.digest == digest)
            )
        if row is None:
            return None
        return AuthorizationCodeRecord(
            issuer_id=row.issuer_id,
            realm=row.app_id,
            tenant=row.workspace_id,
            client_id=row.client_id,
            redirect_uri=row.redirect_uri,
            scope=row.scope,
            nonce=row.nonce,
            code_challenge=row.code_challenge,
            code_challenge_method=row.code_challenge_method,
            sign_in=SignIn(
                subject=row.subject,
                session_id=row.session_id,
                auth_time=row.auth_time,
                amr=tuple(row.amr),
            ),
            grant_id=row.grant_id,
            expires_at=row.expires_at,
            consumed=row.consumed_at is not None,
        )

    async def consume_code(self, digest: bytes, access_jti: str) -> bool:
        params = {"key": digest, "now": utcnow(), "jti": access_jti}
        return await self.db.execute_steps([(CONSUME_CODE, params)]) == 1

    async def revoke_grant(self, grant_id: str) -> None:
        async with self.db.write() as session:
            codes = list(
                await session.scalars(
                    select(AuthorizationCode).where(AuthorizationCode.grant_id == grant_id)
                )
            )
            tokens = list(
                await session.scalars(select(RefreshToken).where(RefreshToken.grant_id == grant_id))
            )
            await self._revoke(session, tokens, [(c.issued_jti, c) for c in codes])

    # --- refresh tokens (RFC 6749 §6) --------------------------------------------------

    async def save_refresh(
        self, digest: bytes, record: RefreshTokenRecord, rotation: Rotation | None = None
    ) -> bool:
        row: dict[str, Any] = {
            "id": record.id,
            "digest": digest,
            "workspace_id": record.tenant,
            "app_id": record.realm,
            "issuer_id": record.issuer_id,
            "session_id": record.session_id,
            "family_id": record.family_id,
            "grant_id": record.grant_id,
            "parent_id": record.parent_id,
            "client_id": record.client_id,
            "subject": record.subject,
            "scope": record.scope,
            "audiences": [],
            "access_jti": record.access_jti,
            "expires_at": record.expires_at,
        }
        if rotation is None or record.parent_id is None:
            await self._refresh_writes.write(("", ([(INSERT_REFRESH, row)], False)))
            return True
        rotated = {"token_id": record.parent_id, "now": rotation.at}
        steps = [(ROTATE_REFRESH, rotated), (INSERT_REFRESH, row)]
        changed = await self._refresh_writes.write((record.parent_id, (steps, rotation.exclusive)))
        return changed == 1 or not rotation.exclusive

    async def _save_refreshes(
        self, batch: list[tuple[str, StatementGroup]]
    ) -> list[int | BaseException]:
        """The refresh tokens saved together (each with its parent's rotation), in one
        transaction. Parents are locked in the order of their ids, so two nodes' batches never
        wait for each other in a cycle (PostgreSQL locks each parent's row until commit). When
        the transaction fails on a constraint (a session deleted meanwhile), each is written
        alone, so that only its own caller learns why."""
        order = sorted(range(len(batch)), key=lambda i: batch[i][0])
        groups = [batch[i][1] for i in order]
        outcomes: list[int | BaseException] = [0] * len(batch)
        try:
            for i, changed in zip(order, await self.db.execute_groups(groups), strict=True):
                outcomes[i] = changed
            return outcomes
        except IntegrityError:
            if len(batch) == 1:
                raise
        for i, (_, group) in enumerate(batch):
            try:
                outcomes[i] = (await self.db.execute_groups([group]))[0]
            except IntegrityError as exc:
                outcomes[i] = exc
        return outcomes

    async def find_refresh(self, digest: bytes) -> RefreshTokenRecord | None:
        row = await self.db.fetch_one(FIND_REFRESH, digest)
        if row is None:
            return None
        return RefreshTokenRecord(
            id=row["id"],
            issuer_id=row["issuer_id"],
            realm=row["app_id"],
            tenant=row["workspace_id"],
            client_id=row["client_id"],
            subject=row["subject"],
            scope=row["scope"],
            session_id=row["session_id"],
            family_id=row["family_id"],
            grant_id=row["grant_id"],
            expires_at=row["expires_at"],
            rotated_at=row["rotated_at"],
            revoked=row["revoked_at"] is not None,
            parent_id=row["parent_id"],
            access_jti=row["access_jti"],
            session=live_session(row, utcnow(), "session__"),
        )

    async def revoke_family(self, family_id: str) -> None:
        async with self.db.write() as session:
            tokens = list(
                await session.scalars(
                    select(RefreshToken).where(RefreshToken.family_id == family_id)
                )
            )
            await self._revoke(session, tokens, [])

    async def _revoke(
        self,
        session: AsyncSession,
        tokens: list[RefreshToken],
        codes: list[tuple[str | None, AuthorizationCode]],
    ) -> None:
        now = utcnow()
        until = now.timestamp() + self.access_token_ttl
        expiry = datetime.fromtimestamp(until, now.tzinfo)
        for token in tokens:
            token.revoked_at = token.revoked_at or now
            await deny_jtis(
                session, token.issuer_id, token.workspace_id, [(token.access_jti, expiry)]
            )
        for jti, code in codes:
            await deny_jtis(session, code.issuer_id, code.workspace_id, [(jti, expiry)])

    # --- device codes (RFC 8628) -------------------------------------------------------

    async def save_device_code(self, digest: bytes, record: DeviceCodeRecord) -> bool:
        try:
            async with self.db.write() as session:
                session.add(
                    DeviceCode(
                        id=record.id,
                        digest=digest,
                        user_code=record.user_code,
                        workspace_id=record.tenant,
                        app_id=record.realm,
                        issuer_id=record.issuer_id,
                        client_id=record.client_id,
                        scope=record.scope,
                        status=record.status,
                        interval=record.interval,
                        expires_at=record.expires_at,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def find_device_code(self, digest: bytes) -> DeviceCodeRecord | None:
        async with self.db.read() as session:
            row = await session.scalar(select(DeviceCode).where(DeviceCode.digest == digest))
        return device_record(row) if row is not None else None

    async def record_poll(self, code_id: str, now: datetime, interval: int) -> None:
        async with self.db.write() as session:
            await session.execute(
                update(DeviceCode)
                .where(DeviceCode.id == code_id)
                .values(last_polled_at=now, interval=interval)
            )

    async def consume_device_code(self, code_id: str) -> bool:
        async with self.db.write() as session:
            result = await session.execute(
                update(DeviceCode)
                .where(DeviceCode.id == code_id, DeviceCode.consumed_at.is_(None))
                .values(consumed_at=utcnow())
            )
        return changed_rows(result) == 1

    async def approve_user_code(
        self, user_code: str, realm: str, sign_in: SignIn, now: datetime
    ) -> bool:
        return await decide_user_code(self.db, user_code, realm, now, sign_in)


def device_record(row: DeviceCode) -> DeviceCodeRecord:
    return DeviceCodeRecord(
        id=row.id,
        issuer_id=row.issuer_id,
        realm=row.app_id,
        tenant=row.workspace_id,
        client_id=row.client_id,
        user_code=row.user_code,
        scope=row.scope,
        status=row.status,
        interval=row.interval,
        expires_at=row.expires_at,
        subject=row.subject,
        session_id=row.session_id,
        last_polled_at=row.last_polled_at,
        consumed=row.consumed_at is not None,
    )


async def pending_device_code(
    session: AsyncSession, user_code: str, realm: str | None, now: datetime
) -> DeviceCode | None:
    stmt = select(DeviceCode).where(
        DeviceCode.user_code == user_code,
        DeviceCode.status == "pending",
        DeviceCode.expires_at > now,
    )
    if realm is not None:
        stmt = stmt.where(DeviceCode.app_id == realm)
    found: DeviceCode | None = await session.scalar(stmt)
    return found


async def decide_user_code(
    db: Database, user_code: str, realm: str, now: datetime, sign_in: SignIn | None
) -> bool:
    """Approve (with ``sign_in``) or deny (without) a pending device code of this app."""
    async with db.write() as session:
        result = await session.execute(
            update(DeviceCode)
            .where(
                DeviceCode.user_code == user_code,
                DeviceCode.app_id == realm,
                DeviceCode.status == "pending",
                DeviceCode.expires_at > now,
            )
            .values(
                status="approved" if sign_in else "denied",
                subject=sign_in.subject if sign_in else None,
                session_id=sign_in.session_id if sign_in else None,
            )
        )
    return changed_rows(result) == 1


async def prune_grants(session: AsyncSession, now: datetime, *, keep: timedelta) -> None:
    """Delete grant artifacts that expired more than ``keep`` ago (spent codes are kept that
    long so a late replay is still recognised and still revokes what the code issued)."""
    cutoff = now - keep
    for model in (AuthorizationCode, DeviceCode, RefreshToken, OneTimeCode, Interaction):
        await session.execute(delete(model).where(model.expires_at < cutoff))
