"""``Database.add``: new ORM objects written as plain INSERTs in one transaction (SQLite, and
PostgreSQL with --db postgresql), read back by the ORM as if the ORM had written them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bastion.container import Container
from bastion.store.repositories.events import audit_event
from bastion.store.schema import AuditEvent, Session


def orphan_session(now: datetime) -> Session:
    return Session(
        id="s-1",
        app_id="no-such-app",  # a foreign key to nothing
        amr=["pwd"],
        auth_time=now,
        expires_at=now + timedelta(hours=1),
    )


async def test_given_values_and_column_defaults_are_written(container: Container) -> None:
    before = datetime.now(UTC)
    first = audit_event(action="a.one", actor_type="system", details={"n": 1})
    second = audit_event(action="a.two", actor_type="system", resource="thing/2")
    await container.db.add(first, second)
    async with container.db.read() as session:
        rows = {r.id: r for r in await session.scalars(select(AuditEvent))}
    one, two = rows[first.id], rows[second.id]
    assert (one.action, one.details, one.resource) == ("a.one", {"n": 1}, None)
    assert (two.action, two.details, two.resource) == ("a.two", {}, "thing/2")
    assert before <= one.created_at <= datetime.now(UTC)  # the column's default, filled in


async def test_a_failed_insert_writes_none_of_them(container: Container) -> None:
    now = datetime.now(UTC)
    entry = audit_event(action="a.lost", actor_type="system")
    with pytest.raises(IntegrityError):
        await container.db.add(entry, orphan_session(now))
    async with container.db.read() as session:
        assert await session.get(AuditEvent, entry.id) is None
