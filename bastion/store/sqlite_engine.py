"""SQLite engines for the async stack, with one of two drivers (``BASTION_SQLITE_DRIVER``).

Both run in WAL mode with foreign keys on, and start a write transaction with
``BEGIN IMMEDIATE`` so that two writers never deadlock on a lock upgrade.

``aiosqlite`` (the default) runs every call (begin, execute, fetch, commit) on the
connection's own thread; waiting for the write lock happens there, under a long busy timeout.

``inline`` gives SQLAlchemy's async engine plain ``sqlite3`` connections and runs them inside
its greenlets, on the loop's thread. SQLite is a library, not a server: a statement on an
indexed key takes microseconds, while each hand-off to a driver thread and back costs far
more: about 1.5 ms of CPU for one small transaction through aiosqlite, against 0.3 ms inline.
The one thing SQLite may wait for is the write lock, which one writer holds at a time across
all processes. Waiting inline would stall every request of the worker, so a write transaction
starts with ``BEGIN IMMEDIATE`` under a zero busy timeout, and when the lock is taken it waits
on the event loop (growing pauses, ``LOCK_WAIT_LIMIT`` in all) and tries again. Inside a write
transaction nothing else waits: in WAL mode readers never block the writer, nor it them. Other
statements keep a short busy timeout for SQLite's rare recovery moments. This driver leans on
two hooks of SQLAlchemy's async engine (``await_`` and a cursor's ``_async_soft_close``), so
the SQLAlchemy version is pinned to a minor release in ``pyproject.toml`` and the store tests
run on it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util.concurrency import await_

DRIVER = "bastion_inline"
BUSY_TIMEOUT_MS = 100  # inline: anything but taking the write lock (rare WAL recovery waits)
THREAD_BUSY_TIMEOUT_MS = 30_000  # aiosqlite: its thread may wait this long for the write lock
LOCK_WAIT_LIMIT = 30.0  # seconds a writer waits for the write lock before giving up
FIRST_PAUSE, LONGEST_PAUSE = 0.0002, 0.02


class InlineSQLiteDialect(SQLiteDialect_pysqlite):
    """pysqlite, declared async so that ``create_async_engine`` runs it inline."""

    driver = DRIVER
    is_async = True
    supports_statement_cache = True

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        return pool.AsyncAdaptedQueuePool  # waits for a free connection on the loop

    # The async engine checks that executing a statement awaited something; an awaitable that
    # is already done satisfies it without giving up the loop.
    def do_execute(self, cursor: Any, statement: Any, parameters: Any, context: Any = None) -> None:
        super().do_execute(cursor, statement, parameters, context)  # type: ignore[no-untyped-call]
        await_(_done())

    def do_executemany(
        self, cursor: Any, statement: Any, parameters: Any, context: Any = None
    ) -> None:
        super().do_executemany(cursor, statement, parameters, context)  # type: ignore[no-untyped-call]
        await_(_done())

    def do_execute_no_params(self, cursor: Any, statement: Any, context: Any = None) -> None:
        super().do_execute_no_params(cursor, statement, context)  # type: ignore[no-untyped-call]
        await_(_done())


async def _done() -> None:
    return None


class _Cursor(sqlite3.Cursor):
    async def _async_soft_close(self) -> None:
        """The async engine's hook for closing a driver cursor early, so that a result can be
        read without awaiting; here rows are read inline anyway, so the cursor stays open."""


class _Connection(sqlite3.Connection):
    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)


registry.register(f"sqlite.{DRIVER}", __name__, "InlineSQLiteDialect")


def create_sqlite_engine(url: str) -> AsyncEngine:
    """An async engine on the SQLite file of ``url``: ``sqlite+bastion_inline:///path`` runs
    inline, any other ``sqlite+driver:///path`` through aiosqlite."""
    parsed = make_url(url)
    path = parsed.database or ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if parsed.drivername == f"sqlite+{DRIVER}":
        engine = create_async_engine(
            parsed,
            connect_args={
                "check_same_thread": False,
                "isolation_level": None,
                "factory": _Connection,
            },
        )
        _configure(engine, busy_timeout_ms=BUSY_TIMEOUT_MS, begin_write=begin_immediate)
    else:
        engine = create_async_engine(parsed.set(drivername="sqlite+aiosqlite"))
        _configure(
            engine,
            busy_timeout_ms=THREAD_BUSY_TIMEOUT_MS,
            begin_write=lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"),
        )
    return engine


def _configure(
    engine: AsyncEngine, *, busy_timeout_ms: int, begin_write: Callable[[Connection], object]
) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (pysqlite's implicit transactions are off).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("sqlite_write", False):
            begin_write(conn)
        else:
            conn.exec_driver_sql("BEGIN")


def begin_immediate(conn: Connection) -> None:
    """Take the write lock, waiting for it on the event loop rather than in SQLite."""
    deadline = time.monotonic() + LOCK_WAIT_LIMIT
    pause = FIRST_PAUSE
    conn.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if "locked" not in str(exc.orig) or time.monotonic() + pause > deadline:
                    raise
            await_(asyncio.sleep(pause))  # we run in SQLAlchemy's greenlet: the loop goes on
            pause = min(pause * 2, LONGEST_PAUSE)
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
