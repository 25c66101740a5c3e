"""Both SQLite drivers: a write that finds the write lock taken waits for it without stopping
the loop (inline: on the loop; aiosqlite: on its thread), and writers in one process take
turns."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bastion.store.db import Database
from tests.store.lock_holder import (
    SQLITE_FILE,
    other_process,
    refused_behind_the_lock,
    short_lock_waits,
    wait_behind_the_lock,
)


@pytest.fixture
async def db(sqlite_db: Database) -> Database:
    async with sqlite_db.write() as session:
        await session.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        await session.execute(text("INSERT INTO counter VALUES (1, 0)"))
    return sqlite_db


async def increment(db: Database) -> None:
    async with db.write() as session:
        n = (await session.execute(text("SELECT n FROM counter WHERE id = 1"))).scalar_one()
        await asyncio.sleep(0)  # let others run in between: they must not interleave here
        await session.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})


async def test_a_writer_waits_for_the_lock_while_the_loop_goes_on(
    db: Database, tmp_path: Path
) -> None:
    holder = await wait_behind_the_lock(tmp_path / SQLITE_FILE, increment(db))
    holder.close()
    async with db.read() as session:
        assert (await session.execute(text("SELECT n FROM counter"))).scalar_one() == 1


async def test_a_writer_gives_up_after_the_limit(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    short_lock_waits(monkeypatch)
    limited = Database(db.url)  # its connections take the short waits
    try:
        write = lambda: increment(limited)  # noqa: E731
        await refused_behind_the_lock(tmp_path / SQLITE_FILE, write, OperationalError)
        await increment(limited)  # the connection went back to the pool in a usable state
    finally:
        await limited.dispose()


async def test_concurrent_writers_in_one_process_take_turns(db: Database) -> None:
    await asyncio.gather(*(increment(db) for _ in range(25)))
    async with db.read() as session:
        assert (await session.execute(text("SELECT n FROM counter"))).scalar_one() == 25


async def test_reads_see_other_connections_commits_at_once(db: Database, tmp_path: Path) -> None:
    other = other_process(tmp_path / SQLITE_FILE)
    other.execute("UPDATE counter SET n = 41 WHERE id = 1")
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT n + 1 FROM counter"))).scalar_one() == 42
    other.close()
