"""Batch inserts on SQLite in one call to the driver: the deny-list's group commits.

Through the async engine, a batch costs a pooled connection, ``BEGIN IMMEDIATE``, the
statement, ``COMMIT`` and the pool's reset on check-in; with aiosqlite each of those is a
hand-off to the connection's thread and back (eight per batch, about 1.5 ms of CPU, more than
the rest of a revocation). :class:`BatchWriter` writes a batch as one plain ``sqlite3``
transaction (``BEGIN IMMEDIATE``, ``executemany``, ``COMMIT``) on a connection of its own, in
one call: on a thread of its own for the aiosqlite driver, where it waits for the write lock
under the same long busy timeout as aiosqlite's connections; on the loop for the inline
driver, which waits for the write lock on the loop as :mod:`bastion.store.sqlite_engine` does.
The connection has the engine's settings (WAL, ``synchronous=NORMAL``, foreign keys on), so a
batch is as durable as any other commit, and readable by every process once it returns.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Table
from sqlalchemy.dialects import sqlite

from bastion.store import sqlite_engine
from bastion.store.sqlite_engine import (
    BUSY_TIMEOUT_MS,
    FIRST_PAUSE,
    LONGEST_PAUSE,
    THREAD_BUSY_TIMEOUT_MS,
)

Params = list[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class BatchInsert:
    """``INSERT ... ON CONFLICT DO NOTHING`` of every column of a table, compiled once, with
    the column types' own conversions of Python values (as the engine applies them)."""

    sql: str
    columns: frozenset[str]
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def build(cls, table: Table, dialect: Dialect) -> BatchInsert:
        names = tuple(c.name for c in table.columns)
        compiled = (
            sqlite.insert(table)
            .on_conflict_do_nothing()
            .compile(dialect=dialect, column_keys=list(names))
        )
        processors = tuple(
            c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.columns
        )
        return cls(str(compiled), frozenset(names), names, processors)

    def covers(self, rows: Sequence[Mapping[str, Any]]) -> bool:
        """Whether every row names every column (else the engine fills in defaults)."""
        return all(row.keys() == self.columns for row in rows)

    def params(self, rows: Sequence[Mapping[str, Any]]) -> Params:
        pairs = tuple(zip(self.names, self.processors, strict=True))
        return [
            tuple(row[name] if p is None else p(row[name]) for name, p in pairs) for row in rows
        ]


class BatchWriter:
    """A read-write connection of its own that runs each batch as one transaction."""

    def __init__(self, path: str, *, inline: bool) -> None:
        self.path = path
        self.inline = inline
        self._conn: sqlite3.Connection | None = None
        self._thread = None if inline else ThreadPoolExecutor(1, "bastion-sqlite-batch")

    async def insert(self, sql: str, params: Params) -> None:
        """Run ``sql`` for each row of ``params`` in one transaction; returns once committed."""
        if self._thread is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._thread, self._write, sql, params, True)
            return
        deadline = time.monotonic() + sqlite_engine.LOCK_WAIT_LIMIT
        pause = FIRST_PAUSE
        while not self._write(sql, params, time.monotonic() + pause > deadline):
            await asyncio.sleep(pause)  # the write lock is taken: the loop goes on meanwhile
            pause = min(pause * 2, LONGEST_PAUSE)

    def _write(self, sql: str, params: Params, last_try: bool) -> bool:
        """One transaction; False (nothing written) when the write lock is taken and this is
        not the last try. On the thread, SQLite itself waits for the lock."""
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or last_try:
                raise
            return False
        try:
            conn.executemany(sql, params)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return True

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            wait_ms = BUSY_TIMEOUT_MS if self.inline else THREAD_BUSY_TIMEOUT_MS
            conn = sqlite3.connect(
                self.path, timeout=wait_ms / 1000, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            if self.inline:  # inline, the write lock is waited for on the loop (see insert)
                conn.execute("PRAGMA busy_timeout=0")
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=True)
        if self._conn is not None:
            self._conn.close()
            self._conn = None
