"""Rows read by key without the ORM (``Database.fetch_row``) and statements written without it
(``Database.execute``), on SQLite and PostgreSQL: the same values, typed as the ORM types them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Table, select, update

from bastion.container import Container
from bastion.store.schema import EndUser, Session

SESSIONS = cast(Table, Session.__table__)


async def test_fetch_row_reads_what_the_orm_wrote(container: Container) -> None:
    async with container.db.read() as orm:
        user = await orm.scalar(select(EndUser).limit(1))
    assert user is not None
    app = await container.users.app(user.app_id)
    made, _secret = await container.sessions.create(
        app.tenant, user.id, amr=("pwd", "otp"), ip="203.0.113.7", user_agent="test"
    )
    row = await container.db.fetch_row(SESSIONS, "id", made.id)
    async with container.db.read() as orm:
        stored = await orm.get(Session, made.id)
    assert row is not None and stored is not None
    assert row["amr"] == ["pwd", "otp"] == stored.amr
    assert row["auth_time"] == stored.auth_time and row["auth_time"].tzinfo is UTC
    assert row["expires_at"] == stored.expires_at and row["revoked_at"] is None
    assert row["secret_digest"] == stored.secret_digest and isinstance(row["secret_digest"], bytes)
    assert row["end_user_id"] == user.id and row["ip"] == "203.0.113.7"
    assert await container.db.fetch_row(SESSIONS, "id", "no-such-session") is None
    assert await container.db.fetch_row(SESSIONS, "secret_digest", stored.secret_digest) == row


async def test_execute_reports_the_rows_it_changed(container: Container) -> None:
    later = datetime.now(UTC) + timedelta(days=1)
    none = await container.db.execute(
        update(SESSIONS).where(SESSIONS.c.id == "nobody").values(revoked_at=later)
    )
    assert none == 0
    async with container.db.read() as orm:
        user = await orm.scalar(select(EndUser).limit(1))
    assert user is not None
    app = await container.users.app(user.app_id)
    made, _ = await container.sessions.create(
        app.tenant, user.id, amr=("pwd",), ip=None, user_agent=None
    )
    ended = update(SESSIONS).where(SESSIONS.c.id == made.id, SESSIONS.c.revoked_at.is_(None))
    assert await container.db.execute(ended.values(revoked_at=later)) == 1
    assert await container.db.execute(ended.values(revoked_at=later)) == 0  # already ended
    assert await container.sessions.live_session(made.id) is None
