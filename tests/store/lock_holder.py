"""Another process holding SQLite's write lock, for the tests of writers that must wait for it
without stopping the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bastion.store import sqlite_engine

SQLITE_FILE = "sqlite.db"  # the sqlite_db fixture's file in tmp_path


def other_process(path: Path) -> sqlite3.Connection:
    """A connection of its own, standing for another worker process."""
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


async def wait_behind_the_lock(path: Path, write: Awaitable[Any]) -> sqlite3.Connection:
    """Run ``write`` while another process holds the write lock: check that it waits and the
    loop goes on meanwhile, then release the lock and let it finish. Returns the other
    process's connection, open."""
    holder = other_process(path)
    holder.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    beat = asyncio.create_task(ticker())
    waiting = asyncio.ensure_future(write)
    await asyncio.sleep(0.2)
    assert not waiting.done() and ticks > 20  # the loop kept running while the write waited
    holder.execute("COMMIT")
    await asyncio.wait_for(waiting, 5)
    beat.cancel()
    return holder


def short_lock_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writers give up on a taken write lock after 0.1 s instead of 30: the inline driver and
    the direct writer (waiting on the loop) at once, aiosqlite's threads (waiting in SQLite's
    busy handler) on connections opened from now on."""
    monkeypatch.setattr(sqlite_engine, "LOCK_WAIT_LIMIT", 0.1)
    monkeypatch.setattr(sqlite_engine, "THREAD_BUSY_TIMEOUT_MS", 100)


async def refused_behind_the_lock(
    path: Path, write: Callable[[], Awaitable[Any]], error: type[Exception]
) -> None:
    """``write`` fails with ``error`` ("locked") while another process keeps the write lock."""
    holder = other_process(path)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(error, match="locked"):
            await write()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
