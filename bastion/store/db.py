"""Engine and transactions. SQLite runs in WAL mode with write transactions that take the write
lock up front (``BEGIN IMMEDIATE``), so two writers never deadlock on a lock upgrade.

Two hot-path helpers: :meth:`Database.point_read` serves single-row lookups by an indexed key
(is this token revoked?), and :meth:`Database.insert_new` writes a batch of rows in one
transaction (the deny-list's group commits). On SQLite both go through
:mod:`bastion.store.sqlite_direct` instead of the async session; on PostgreSQL through a plain
Core connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from bastion.store.sqlite_direct import DirectSqlite


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
        self._writer = writer
        self._read = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write = async_sessionmaker(writer, expire_on_commit=False)
        path = _sqlite_file(url) if self.is_sqlite else None
        self._direct = DirectSqlite(path) if path is not None else None
        self._statements: dict[str, Any] = {}
        self._inserts: dict[tuple[str, tuple[str, ...]], _Insert] = {}

    async def point_read(self, sql: str, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row of a lookup by an indexed key (``:name`` parameters), or None."""
        if self._direct is not None:
            try:
                return self._direct.read_one(sql, params)
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

    async def insert_new(self, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows`` (same keys each) in one transaction, leaving any row whose primary
        key is already there as it is. Returns once committed."""
        if not rows:
            return
        if self._direct is not None:
            insert = self._sqlite_insert(table, tuple(rows[0]))
            await self._direct.write_many(insert.sql, [insert.values(row) for row in rows])
            return
        async with self._writer.begin() as conn:
            await conn.execute(postgresql.insert(table).on_conflict_do_nothing(), list(rows))

    def _sqlite_insert(self, table: Table, columns: tuple[str, ...]) -> _Insert:
        key = (table.name, columns)
        found = self._inserts.get(key)
        if found is None:
            dialect = self.engine.dialect
            compiled = (
                sqlite.insert(table)
                .on_conflict_do_nothing()
                .compile(dialect=dialect, column_keys=list(columns))
            )
            assert compiled.positiontup == list(columns)
            processors = tuple(
                table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
            )
            found = self._inserts[key] = _Insert(str(compiled), columns, processors)
        return found

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self._direct is not None:
            self._direct.close()
        await self.engine.dispose()


@dataclass(frozen=True, slots=True)
class _Insert:
    """An INSERT compiled for SQLite, and how to turn a row into its parameters (the column
    types' own conversions, as the ORM applies them)."""

    sql: str
    columns: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def values(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(
            p(row[name]) if p is not None else row[name]
            for name, p in zip(self.columns, self.processors, strict=True)
        )


def _sqlite_file(url: str) -> str | None:
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return str(Path(path).resolve())
