"""The direct writer on SQLite (``Database.execute_steps`` and ``Database.insert_new``, the
hot paths' writes), on both drivers: one transaction on a connection of its own, waiting for the
write lock without stopping the loop, converting values and filling in column defaults as the
engine does, raising what the engine raises, leaving nothing behind on failure, and
checkpointing off the loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.types import TypeDecorator

from bastion.store import sqlite_writes
from bastion.store.compiled import CompiledStatement
from bastion.store.db import Database
from bastion.store.repositories.grants import INSERT_REFRESH, REFRESH, ROTATE_REFRESH
from bastion.store.types import UTCDateTime
from tests.store.lock_holder import (
    SQLITE_FILE,
    other_process,
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
    Column("stamp", String, default=lambda: "made", onupdate=lambda: "changed"),
    Column("note", String, default=lambda context: "needs the context"),
)
AT = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
RENAME = update(ITEMS).where(ITEMS.c.id == bindparam("key")).values(parent_id=bindparam("to"))


@pytest.fixture
async def db(sqlite_db: Database) -> Database:
    async with sqlite_db.engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    await sqlite_db.insert_new(PARENTS, [{"id": "p"}, {"id": "q"}])
    return sqlite_db


def item(key: str, parent: str = "p") -> dict[str, object]:
    return {"id": key, "parent_id": parent, "at": AT, "n": 1, "note": "given"}


async def items(db: Database) -> dict[str, tuple[str, datetime, int, str]]:
    columns = (ITEMS.c.id, ITEMS.c.parent_id, ITEMS.c.at, ITEMS.c.n, ITEMS.c.stamp)
    async with db.engine.connect() as conn:
        rows = (await conn.execute(select(*columns))).all()
    return {key: (parent, at, n, stamp) for key, parent, at, n, stamp in rows}


async def test_rows_are_stored_as_the_engine_stores_them(db: Database) -> None:
    await db.insert_new(ITEMS, [item("a"), item("b")])
    await db.insert_new(ITEMS, [{**item("a"), "n": 2}])
    await db.insert_new(ITEMS, [{"id": "c", "parent_id": "p", "at": AT, "note": "given"}])
    assert await items(db) == {  # "a" kept as it was; "c" with the columns' defaults
        "a": ("p", AT, 1, "made"),
        "b": ("p", AT, 1, "made"),
        "c": ("p", AT, 7, "made"),
    }


def test_the_hot_statements_take_the_direct_path(sqlite_db: Database) -> None:
    dialect = sqlite_db.engine.dialect
    row = [c.name for c in REFRESH.columns if c.name not in ("created_at", "updated_at")]
    assert CompiledStatement.build(INSERT_REFRESH, row, dialect) is not None
    assert CompiledStatement.build(ROTATE_REFRESH, ["token_id", "now"], dialect) is not None
    # A default that needs the execution context is left to the engine.
    assert CompiledStatement.build(insert(ITEMS), ["id", "parent_id"], dialect) is None


async def test_steps_run_in_one_transaction_and_a_guard_stops_them(db: Database) -> None:
    await db.insert_new(ITEMS, [item("a")])
    moved = await db.execute_steps(
        [(RENAME, {"key": "a", "to": "q"}), (insert(ITEMS), item("b", parent="q"))],
        guarded=True,
    )
    assert moved == 1
    assert await items(db) == {"a": ("q", AT, 1, "changed"), "b": ("q", AT, 1, "made")}
    # The guard's statement changes nothing: the next step is not run, nothing is written.
    unchanged = await db.execute_steps(
        [(RENAME, {"key": "missing", "to": "p"}), (insert(ITEMS), item("c"))], guarded=True
    )
    assert unchanged == 0
    assert set(await items(db)) == {"a", "b"}
    # Unguarded, the rest runs whatever the first changed.
    assert (
        await db.execute_steps([(RENAME, {"key": "zz", "to": "p"}), (insert(ITEMS), item("c"))])
        == 0
    )
    assert set(await items(db)) == {"a", "b", "c"}


async def test_groups_share_a_transaction_each_with_its_own_guard(db: Database) -> None:
    await db.insert_new(ITEMS, [item("a"), item("b")])
    changed = await db.execute_groups(
        [
            ([(RENAME, {"key": "a", "to": "q"}), (insert(ITEMS), item("c", parent="q"))], True),
            # Its guard changes nothing: its insert is skipped, the others' are not.
            ([(RENAME, {"key": "missing", "to": "q"}), (insert(ITEMS), item("d"))], True),
            ([(RENAME, {"key": "zz", "to": "q"}), (insert(ITEMS), item("e"))], False),
        ]
    )
    assert changed == [1, 0, 0]
    assert set(await items(db)) == {"a", "b", "c", "e"}
    # One group failing fails them all: nothing of any group is written.
    with pytest.raises(IntegrityError):
        await db.execute_groups(
            [
                ([(RENAME, {"key": "b", "to": "q"}), (insert(ITEMS), item("f"))], True),
                ([(insert(ITEMS), item("g", parent="missing"))], False),
            ]
        )
    assert await items(db) == {
        "a": ("q", AT, 1, "changed"),
        "b": ("p", AT, 1, "made"),
        "c": ("q", AT, 1, "made"),
        "e": ("p", AT, 1, "made"),
    }
    # A statement only the engine can run takes the whole transaction through the engine,
    # with the same guards.
    changed = await db.execute_groups(
        [
            ([(RENAME, {"key": "missing", "to": "q"}), (insert(ITEMS), item("h"))], True),
            ([(insert(ITEMS), {"id": "i", "parent_id": "p"})], False),
        ]
    )
    assert changed == [0, 1]
    assert set(await items(db)) == {"a", "b", "c", "e", "i"}


async def test_a_statement_the_engine_must_run_still_runs(db: Database) -> None:
    row = {"id": "a", "parent_id": "p"}  # leaves "note" to its context-taking default
    assert await db.execute_steps([(insert(ITEMS), row)]) == 1
    async with db.engine.connect() as conn:
        note = (await conn.execute(select(ITEMS.c.note))).scalar_one()
    assert note == "needs the context"


async def test_a_batch_waits_for_the_lock_while_the_loop_goes_on(
    db: Database, tmp_path: Path
) -> None:
    holder = await wait_behind_the_lock(tmp_path / SQLITE_FILE, db.insert_new(ITEMS, [item("a")]))
    # Committed: another connection (another process) reads it at once.
    assert holder.execute("SELECT id FROM items").fetchall() == [("a",)]
    holder.close()


async def test_a_failed_transaction_writes_nothing_and_the_next_one_goes_through(
    db: Database,
) -> None:
    with pytest.raises(IntegrityError):
        await db.insert_new(ITEMS, [item("a"), item("b", parent="missing")])
    with pytest.raises(IntegrityError):
        await db.execute_steps(
            [(RENAME, {"key": "a", "to": "q"}), (insert(ITEMS), item("x", parent="missing"))]
        )
    await db.insert_new(ITEMS, [item("c")])
    assert set(await items(db)) == {"c"}


async def test_a_writer_gives_up_after_the_limit(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    short_lock_waits(monkeypatch)
    write = lambda: db.insert_new(ITEMS, [item("a")])  # noqa: E731
    await refused_behind_the_lock(tmp_path / SQLITE_FILE, write, OperationalError)
    await db.insert_new(ITEMS, [item("b")])
    assert set(await items(db)) == {"b"}


async def test_every_few_commits_a_checkpoint_runs_on_a_thread(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_writes, "CHECKPOINT_EVERY", 4)
    big = Table("big", MetaData(), Column("id", Integer, primary_key=True), Column("v", String))
    async with db.engine.begin() as conn:
        await conn.run_sync(big.metadata.create_all)
    path = tmp_path / SQLITE_FILE
    other = other_process(path)
    other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    other.close()
    before = path.stat().st_size
    for n in range(3):
        await db.insert_new(big, [{"id": n, "v": "x" * 20_000}])
    assert path.stat().st_size == before  # all of it still only in the WAL
    await db.insert_new(big, [{"id": 3, "v": "x" * 20_000}])
    for _ in range(500):  # the checkpoint copies it into the database file, off the loop
        if path.stat().st_size > before + 60_000:
            break
        await asyncio.sleep(0.01)
    assert path.stat().st_size > before + 60_000


async def test_past_the_limit_a_checkpoint_empties_the_wal(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A passive checkpoint copies the pages but leaves the WAL as long as it was (and under
    writes that never pause, never lets it restart); past WAL_LIMIT_FRAMES it is emptied."""
    monkeypatch.setattr(sqlite_writes, "CHECKPOINT_EVERY", 4)
    big = Table("big", MetaData(), Column("id", Integer, primary_key=True), Column("v", String))
    async with db.engine.begin() as conn:
        await conn.run_sync(big.metadata.create_all)
    path = tmp_path / SQLITE_FILE
    wal = tmp_path / f"{SQLITE_FILE}-wal"

    async def four_commits(first: int) -> None:
        for n in range(first, first + 4):
            await db.insert_new(big, [{"id": n, "v": "x" * 20_000}])

    async def soon(done: Callable[[], bool]) -> bool:
        for _ in range(500):  # the checkpoint runs on its thread
            if done():
                return True
            await asyncio.sleep(0.01)
        return done()

    before = path.stat().st_size
    await four_commits(0)  # under the limit: copied into the database, the WAL as long
    assert await soon(lambda: path.stat().st_size > before + 60_000)
    assert wal.stat().st_size > 60_000
    monkeypatch.setattr(sqlite_writes, "WAL_LIMIT_FRAMES", 8)
    await four_commits(4)
    assert await soon(lambda: wal.stat().st_size == 0)
    async with db.engine.connect() as conn:  # and nothing was lost
        assert (await conn.execute(select(func.count()).select_from(big))).scalar() == 8


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


async def test_one_off_statements_are_not_kept_compiled(db: Database) -> None:
    await db.insert_new(ITEMS, [item("a")])
    kept = len(db._compiled)
    for parent in ("q", "p", "q"):
        statement = update(ITEMS).where(ITEMS.c.id == "a").values(parent_id=parent)
        assert await db.execute(statement) == 1
    assert len(db._compiled) == kept
    assert (await items(db))["a"][0] == "q"
