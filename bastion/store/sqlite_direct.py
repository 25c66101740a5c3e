"""Direct SQLite access for the hot paths, beside SQLAlchemy's pooled async connections.

Through the async session, a statement costs a pooled connection, a transaction and several
hand-offs to the driver's thread. For the few statements that run on every request of a hot
path, an embedded database can do better:

* reads run inline on the calling thread, over a read-only connection of their own: an indexed
  lookup in WAL mode takes microseconds, never waits for writers (a busy database raises, and
  the caller falls back to the ordinary path), and sees every committed write at once;
* batched writes run on one dedicated thread with one connection, each batch one transaction
  (``BEGIN IMMEDIATE`` … ``COMMIT``), off the event loop while it waits for the write lock.

Statements come compiled by SQLAlchemy for the SQLite dialect (see ``Database``), so values are
stored exactly as the ORM stores them.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

READ_BUSY_TIMEOUT_MS = 50
WRITE_BUSY_TIMEOUT_MS = 30_000


class DirectSqlite:
    def __init__(self, path: str) -> None:
        self.path = path
        self._reader: sqlite3.Connection | None = None
        self._writer: sqlite3.Connection | None = None
        self._thread: ThreadPoolExecutor | None = None

    def read_one(self, sql: str, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row, read inline; raises ``sqlite3.OperationalError`` when busy."""
        if self._reader is None:
            self._reader = sqlite3.connect(
                f"file:{self.path}?mode=ro",
                uri=True,
                isolation_level=None,  # autocommit: each SELECT sees the latest commit
                check_same_thread=False,
            )
            self._reader.execute(f"PRAGMA busy_timeout={READ_BUSY_TIMEOUT_MS}")
        row: tuple[Any, ...] | None = self._reader.execute(sql, params).fetchone()
        return row

    async def write_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run ``sql`` for each row in one transaction on the writer thread."""
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._thread, self._write, sql, rows)

    def _write(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if self._writer is None:  # made, used and closed on the writer thread only
            conn = sqlite3.connect(self.path, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout={WRITE_BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._writer = conn
        self._writer.execute("BEGIN IMMEDIATE")
        try:
            self._writer.executemany(sql, rows)
        except BaseException:
            self._writer.execute("ROLLBACK")
            raise
        self._writer.execute("COMMIT")

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._thread is not None:
            self._thread.submit(self._close_writer).result()
            self._thread.shutdown()
            self._thread = None
