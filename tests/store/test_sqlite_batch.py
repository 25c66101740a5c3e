"""Batch inserts on SQLite (``Database.insert_new``, the deny-list's group commits), on both
drivers: one transaction on a connection of their own, waiting for the write lock without
stopping the loop, converting values as the engine does, and leaving nothing behind on
failure."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, select
from sqlalchemy.types import TypeDecorator

from bastion.store.db import Database
from bastion.store.types import UTCDateTime
from tests.store.lock_holder import (
    SQLITE_FILE,
    refused_behind_the_lock,
    short_lock_waits,
    wait_behind_the_lock,
)

METADATA = MetaData()
PARENTS = Table("parents", METADATA, Column("id", String, primary_key=True))
ITEMS = Table(
    "items",
    METADATA,
    Column("id", String, primary_key=True),
    Column("parent_id", String, ForeignKey("parents.id")),
    Column("at", UTCDateTime),
    Column("n", Integer, default=7),
)
AT = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


@pytest.fixture
async def db(sqlite_db: Database) -> Database:
    async with sqlite_db.engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    await sqlite_db.insert_new(PARENTS, [{"id": "p"}])
    return sqlite_db


def item(key: str, parent: str = "p") -> dict[str, object]:
    return {"id": key, "parent_id": parent, "at": AT, "n": 1}


async def items(db: Database) -> dict[str, tuple[datetime, int]]:
    async with db.engine.connect() as conn:
        rows = (await conn.execute(select(ITEMS.c.id, ITEMS.c.at, ITEMS.c.n))).all()
    return {key: (at, n) for key, at, n in rows}


async def test_rows_are_stored_as_the_engine_stores_them(db: Database) -> None:
    await db.insert_new(ITEMS, [item("a"), item("b")])
    await db.insert_new(ITEMS, [{**item("a"), "n": 2}])
    await db.insert_new(ITEMS, [{"id": "c", "parent_id": "p", "at": AT}])
    assert await items(db) == {"a": (AT, 1), "b": (AT, 1), "c": (AT, 7)}  # "a" kept, "c" default


async def test_a_batch_waits_for_the_lock_while_the_loop_goes_on(
    db: Database, tmp_path: Path
) -> None:
    holder = await wait_behind_the_lock(tmp_path / SQLITE_FILE, db.insert_new(ITEMS, [item("a")]))
    # Committed: another connection (another process) reads it at once.
    assert holder.execute("SELECT id FROM items").fetchall() == [("a",)]
    holder.close()


async def test_a_failed_batch_writes_nothing_and_the_next_one_goes_through(
    db: Database,
) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await db.insert_new(ITEMS, [item("a"), item("b", parent="missing")])
    await db.insert_new(ITEMS, [item("c")])
    assert set(await items(db)) == {"c"}


async def test_a_batch_gives_up_after_the_limit(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    short_lock_waits(monkeypatch)
    limited = Database(db.url)  # its batch connection takes the short waits
    try:
        write = lambda: limited.insert_new(ITEMS, [item("a")])  # noqa: E731
        await refused_behind_the_lock(tmp_path / SQLITE_FILE, write, sqlite3.OperationalError)
        await limited.insert_new(ITEMS, [item("b")])
    finally:
        await limited.dispose()
    assert set(await items(db)) == {"b"}


def test_utc_timestamps_are_written_as_sqlalchemy_writes_them(sqlite_db: Database) -> None:
    dialect = sqlite_db.engine.dialect
    column = UTCDateTime().dialect_impl(dialect)
    ours = column.bind_processor(dialect)
    general = TypeDecorator.bind_processor(column, dialect)
    assert ours is not None and general is not None
    paris = AT.astimezone(timezone(timedelta(hours=1)))
    assert ours(AT) == ours(paris) == "2026-01-02 03:04:05.678901"
    for value in (AT, paris, AT.replace(microsecond=0), datetime(1, 1, 1, tzinfo=UTC), None):
        assert ours(value) == general(value)
    with pytest.raises(ValueError, match="naive"):
        ours(datetime(2026, 1, 2))
