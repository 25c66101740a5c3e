"""A read-only SQLite connection for the hot paths' point reads.

Even inline (see ``sqlite_engine``), a query through the async engine costs a pooled
connection, a transaction and the ORM's or Core's machinery: hundreds of microseconds. A lookup
by an indexed key that runs on every request (is this token revoked?) reads instead over a
read-only connection of its own, on the calling thread: microseconds in WAL mode, never waiting
for writers (a busy database raises, and the caller falls back to the ordinary path), and
seeing every committed write at once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

READ_BUSY_TIMEOUT_MS = 50


class DirectSqlite:
    def __init__(self, path: str) -> None:
        self.path = path
        self._reader: sqlite3.Connection | None = None

    def read_one(
        self, sql: str, params: Mapping[str, Any] | Sequence[Any]
    ) -> tuple[Any, ...] | None:
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

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
