"""Both SQLite drivers: a write that finds the write lock taken waits for it without stopping
the loop (inline: on the loop; aiosqlite: on its thread), and writers in one process take
turns."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bastion.store import sqlite_engine
from bastion.store.db import Database


@pytest.fixture(params=["aiosqlite", sqlite_engine.DRIVER])
def driver(db_kind: str, request: pytest.FixtureRequest) -> str:
    if db_kind != "sqlite":
        pytest.skip("SQLite only")
    return str(request.param)


async def open_db(driver: str, tmp_path: Path) -> Database:
    database = Database(f"sqlite+{driver}:///{tmp_path / 'inline.db'}")
    async with database.write() as session:
        await session.execute(
            text("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER)")
        )
        await session.execute(text("INSERT OR IGNORE INTO counter VALUES (1, 0)"))
    return database


@pytest.fixture
async def db(driver: str, tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_db(driver, tmp_path)
    yield database
    await database.dispose()


def other_process(tmp_path: Path) -> sqlite3.Connection:
    """A connection of its own, standing for another worker process."""
    return sqlite3.connect(tmp_path / "inline.db", isolation_level=None, check_same_thread=False)


async def increment(db: Database) -> None:
    async with db.write() as session:
        n = (await session.execute(text("SELECT n FROM counter WHERE id = 1"))).scalar_one()
        await asyncio.sleep(0)  # let others run in between: they must not interleave here
        await session.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})


async def test_a_writer_waits_for_the_lock_while_the_loop_goes_on(
    db: Database, tmp_path: Path
) -> None:
    holder = other_process(tmp_path)
    holder.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    beat = asyncio.create_task(ticker())
    waiting = asyncio.create_task(increment(db))
    await asyncio.sleep(0.2)
    assert not waiting.done() and ticks > 20  # the loop kept running while the write waited
    holder.execute("COMMIT")
    await asyncio.wait_for(waiting, 5)
    beat.cancel()
    holder.close()
    async with db.read() as session:
        assert (await session.execute(text("SELECT n FROM counter"))).scalar_one() == 1


async def test_a_writer_gives_up_after_the_limit(
    driver: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_engine, "LOCK_WAIT_LIMIT", 0.1)  # inline: waits on the loop
    monkeypatch.setattr(sqlite_engine, "THREAD_BUSY_TIMEOUT_MS", 100)  # aiosqlite: in SQLite
    db = await open_db(driver, tmp_path)
    holder = other_process(tmp_path)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            await increment(db)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    await increment(db)  # the connection went back to the pool in a usable state
    await db.dispose()


async def test_concurrent_writers_in_one_process_take_turns(db: Database) -> None:
    await asyncio.gather(*(increment(db) for _ in range(25)))
    async with db.read() as session:
        assert (await session.execute(text("SELECT n FROM counter"))).scalar_one() == 25


async def test_reads_see_other_connections_commits_at_once(db: Database, tmp_path: Path) -> None:
    other = other_process(tmp_path)
    other.execute("UPDATE counter SET n = 41 WHERE id = 1")
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT n + 1 FROM counter"))).scalar_one() == 42
    other.close()
