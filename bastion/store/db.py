"""Engine and transactions. SQLite runs in WAL mode with write transactions that take the write
lock up front (``BEGIN IMMEDIATE``), so two writers never deadlock on a lock upgrade.

:meth:`Database.point_read` serves the hot paths' single-row lookups by an indexed key (is this
token revoked?). Through the async session such a read costs a pooled connection, a
transaction and several hand-offs to the driver's thread. On SQLite it instead runs inline on
the calling thread over a read-only connection of its own: an indexed lookup in WAL mode takes
microseconds, never waits for writers, and sees every committed write at once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    if pool_size <= 0:
        return create_async_engine(url, poolclass=NullPool)
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, pool_recycle=1800
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit transactions are off).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("sqlite_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=pool_size)
        self.is_sqlite = url.startswith("sqlite")
        writer = self.engine.execution_options(sqlite_write=True) if self.is_sqlite else self.engine
        self._read = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write = async_sessionmaker(writer, expire_on_commit=False)
        self._sqlite_path = _sqlite_file(url) if self.is_sqlite else None
        self._inline: sqlite3.Connection | None = None
        self._statements: dict[str, Any] = {}

    def _inline_reader(self) -> sqlite3.Connection | None:
        if self._inline is None and self._sqlite_path is not None:
            conn = sqlite3.connect(
                f"file:{self._sqlite_path}?mode=ro",
                uri=True,
                isolation_level=None,  # autocommit: each SELECT sees the latest commit
                check_same_thread=False,
            )
            conn.execute("PRAGMA busy_timeout=50")
            self._inline = conn
        return self._inline

    async def point_read(self, sql: str, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row of a lookup by an indexed key (``:name`` parameters), or None."""
        reader = self._inline_reader()
        if reader is not None:
            try:
                row: tuple[Any, ...] | None = reader.execute(sql, params).fetchone()
                return row
            except sqlite3.OperationalError:
                pass  # busy or recovering: take the ordinary path below
        statement = self._statements.get(sql)
        if statement is None:
            statement = self._statements.setdefault(sql, text(sql))
        async with self.engine.connect() as conn:
            found = (await conn.execute(statement, dict(params))).first()
        return tuple(found) if found is not None else None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction that commits on success and rolls back on any exception."""
        async with self._write() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        await self.engine.dispose()


def _sqlite_file(url: str) -> str | None:
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return str(Path(path).resolve())
