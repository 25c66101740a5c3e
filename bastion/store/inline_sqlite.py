"""SQLite for the async engine, run inline on the event loop instead of on driver threads.

SQLite is a library, not a server: a statement on an indexed key takes microseconds. Through
aiosqlite every call (begin, execute, fetch, commit) is a hand-off to the connection's thread
and back, which costs far more than the statement: about 1.5 ms of CPU for one small
transaction here, against 0.3 ms inline. So this dialect gives SQLAlchemy's async engine plain
``sqlite3`` connections and lets it run them inside its greenlets, on the loop's thread.

The one thing SQLite may wait for is the write lock, which one writer holds at a time across
all processes. Waiting inline would stall every request of the worker, so a write transaction
starts with ``BEGIN IMMEDIATE`` under a zero busy timeout, and when the lock is taken it waits
on the event loop (growing pauses, ``LOCK_WAIT_LIMIT`` in all) and tries again. Inside a write
transaction nothing else waits: in WAL mode readers never block the writer, nor it them. Other
statements keep a short busy timeout for SQLite's rare recovery moments.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
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
BUSY_TIMEOUT_MS = 100  # for anything but taking the write lock (rare WAL recovery waits)
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
    """An async engine on the SQLite file of ``url`` (any ``sqlite+driver:///path``)."""
    parsed = make_url(url)
    path = parsed.database or ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    engine = create_async_engine(
        parsed.set(drivername=f"sqlite+{DRIVER}"),
        connect_args={"check_same_thread": False, "isolation_level": None, "factory": _Connection},
    )
    _configure(engine)
    return engine


def _configure(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (pysqlite's implicit transactions are off).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("sqlite_write", False):
            begin_immediate(conn)
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
