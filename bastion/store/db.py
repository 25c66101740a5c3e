"""Engine and transactions. SQLite engines (WAL, write transactions that take the lock up front,
driven through aiosqlite or inline on the loop) come from :mod:`bastion.store.sqlite_engine`.

:meth:`Database.point_read`, the hot paths' single-row lookup by an indexed key (is this token
revoked?), reads over a read-only connection of its own (:mod:`bastion.store.sqlite_direct`).
The hot paths' writes, :meth:`Database.execute_groups` (refresh-token rotations, several
to a transaction when they arrive together) and :meth:`Database.insert_new` (the deny-list's
group commits), run on SQLite as one call to ``sqlite3`` over a connection of their own
(:mod:`bastion.store.sqlite_writes`), whichever driver the engine uses. On PostgreSQL both
go over asyncpg connections of their own (:mod:`bastion.store.postgres_direct`), not through
the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, Insert, Select, Table, bindparam, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from bastion.store.compiled import CompiledStatement, Group, Step
from bastion.store.postgres_direct import ConnectionLost, DirectPostgres
from bastion.store.sqlite_direct import DirectSqlite
from bastion.store.sqlite_engine import create_sqlite_engine
from bastion.store.sqlite_writes import DirectWriter

# Core statements with their parameters, and whether the first one guards the rest (see
# Database.execute_groups).
StatementGroup = tuple[Sequence[tuple[Executable, Mapping[str, Any] | None]], bool]
MAX_COMPILED = 256  # statements kept compiled for the direct paths (they are module constants)


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    if url.startswith("sqlite"):
        return create_sqlite_engine(url)
    if pool_size <= 0:
        return create_async_engine(url, poolclass=NullPool)
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, pool_recycle=1800
    )


_holding_gate: ContextVar[bool] = ContextVar("bastion_sqlite_write_turn", default=False)


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
        self._writes = DirectWriter(path) if path is not None else None
        self._pg = (
            DirectPostgres(self.engine.url, self.engine.dialect, size=max(2, pool_size // 2))
            if not self.is_sqlite and pool_size > 0
            else None
        )
        # By the statement's identity (kept alive here) and its parameter names; None when
        # the statement needs the engine (see CompiledStatement.build).
        self._compiled: dict[tuple[int, tuple[str, ...]], tuple[Any, CompiledStatement | None]] = {}
        self._statements: dict[str, Any] = {}
        self._gate = asyncio.Lock() if self.is_sqlite else None
        self._row_selects: dict[tuple[str, str], Select[Any]] = {}
        self._lookups: dict[int, _Lookup] = {}  # by the statement's identity (kept alive)
        self._inserts: dict[str, Executable] = {}
        self._plain_inserts: dict[str, Insert] = {}

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
        if self._pg is not None:
            compiled = self._compile(statement, params)
            if compiled is not None:
                try:
                    row = await self._pg.read_one(compiled.sql, compiled.values(params))
                except ConnectionLost:
                    pass  # the engine's path below, whose pool pings
                else:
                    return tuple(row) if row is not None else None
        async with self.engine.connect() as conn:
            found = (await conn.execute(statement, dict(params))).first()
        return tuple(found) if found is not None else None

    async def fetch_row(self, table: Table, key: str, value: Any) -> dict[str, Any] | None:
        """The row of ``table`` whose unique column ``key`` equals ``value``, as a dict of
        column values typed as the ORM types them; None when there is none."""
        statement = self._row_selects.get((table.name, key))
        if statement is None:
            statement = select(table).where(table.c[key] == bindparam("key"))
            self._row_selects[(table.name, key)] = statement
        return await self.fetch_one(statement, value)

    async def fetch_one(self, statement: Select[Any], value: Any) -> dict[str, Any] | None:
        """The first row of ``statement`` (a SELECT built once, by an indexed key bound as
        ``:key``) for ``value``, as a dict of its selected columns' values (by their keys),
        typed as the ORM types them; None when there is none. On SQLite it is read like
        :meth:`point_read` (no session, no ORM)."""
        lookup = self._lookups.get(id(statement))
        if lookup is None or lookup.statement is not statement:
            lookup = _Lookup.build(statement, self.engine)
            if len(self._lookups) < MAX_COMPILED:
                self._lookups[id(statement)] = lookup
        if self._direct is not None:
            try:
                raw = self._direct.read_one(lookup.sql, (value,))
            except sqlite3.OperationalError:
                raw = None  # busy or recovering: the ordinary path below
            else:
                return lookup.typed(raw) if raw is not None else None
        if self._pg is not None:
            try:
                found_raw = await self._pg.read_one(lookup.sql, (value,))
            except ConnectionLost:
                pass
            else:
                return lookup.typed(found_raw) if found_raw is not None else None
        async with self.engine.connect() as conn:
            found = (await conn.execute(lookup.statement, {"key": value})).mappings().first()
        return dict(found) if found is not None else None

    async def execute(self, statement: Executable) -> int:
        """One Core statement (an UPDATE, an INSERT) in a write transaction of its own, without
        the ORM; returns the number of rows it changed. The statement may be built for this
        call alone: it is compiled for it, not kept."""
        return await self.execute_steps([(statement, None)], keep_compiled=False)

    async def execute_steps(
        self,
        steps: Sequence[tuple[Executable, Mapping[str, Any] | None]],
        *,
        guarded: bool = False,
        keep_compiled: bool = True,
    ) -> int:
        """Core statements with their parameters, in order, in one write transaction; returns
        the number of rows the first one changed. When ``guarded`` and the first one changed
        no row, the rest are not run and nothing is written (returns 0). Statements are
        compiled once per statement object: build them once and pass values as parameters."""
        changed = await self.execute_groups([(steps, guarded)], keep_compiled=keep_compiled)
        return changed[0]

    async def execute_groups(
        self, groups: Sequence[StatementGroup], *, keep_compiled: bool = True
    ) -> list[int]:
        """Several groups of statements in one write transaction, each run as
        :meth:`execute_steps` would run it alone (a guarded group whose first statement
        changes no row is skipped); the rows each group's first statement changed. One
        transaction carries what several would (a group commit); a failing statement fails
        every group: nothing is written."""
        direct = self._direct_groups(groups, keep_compiled)
        if direct is not None and self._writes is not None:
            async with self._turn():
                return await self._writes.transaction_groups(direct)
        if direct is not None and self._pg is not None:
            with contextlib.suppress(ConnectionLost):  # nothing written: the engine's path
                return await self._pg.transaction_groups(direct)
        outcomes = []
        async with self._turn(), self._writer.begin() as conn:
            for steps, guarded in groups:
                changed = -1
                for statement, params in steps:
                    result = await conn.execute(statement, dict(params) if params else None)
                    if changed < 0:
                        changed = int(getattr(result, "rowcount", 0))
                        if guarded and changed == 0:
                            break  # nothing of this group is written
                outcomes.append(changed)
        return outcomes

    def _direct_groups(self, groups: Sequence[StatementGroup], keep: bool) -> list[Group] | None:
        """The groups compiled for the direct writer, or None when a statement needs the
        engine (or there is no direct writer: an in-memory SQLite, an engine built without a
        pool)."""
        if self._writes is None and self._pg is None:
            return None
        direct: list[Group] = []
        for steps, guarded in groups:
            compiled_steps: list[Step] = []
            for statement, params in steps:
                compiled = self._compile(statement, params or {}, keep)
                if compiled is None:
                    return None
                compiled_steps.append((compiled.sql, [compiled.values(params or {})]))
            direct.append((compiled_steps, guarded))
        return direct

    def _compile(
        self, statement: Executable, params: Mapping[str, Any], keep: bool = True
    ) -> CompiledStatement | None:
        """Compiled once per statement object and parameter names when ``keep`` (the entry
        holds the statement, so its id is not reused while cached)."""
        key = (id(statement), tuple(params))
        entry = self._compiled.get(key)
        if entry is not None and entry[0] is statement:
            return entry[1]
        compiled = CompiledStatement.build(statement, key[1], self.engine.dialect)
        if keep and len(self._compiled) < MAX_COMPILED:
            self._compiled[key] = (statement, compiled)
        return compiled

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """On SQLite, this process's write transactions queue here, first come first served, so
        only one of them at a time contends for the database's write lock (with other
        processes). Nested write transactions in one task would wait for themselves: the
        inner one skips the queue (and waits for the lock like any other process)."""
        if self._gate is None or _holding_gate.get():
            yield
            return
        async with self._gate:
            token = _holding_gate.set(True)
            try:
                yield
            finally:
                _holding_gate.reset(token)

    async def add(self, *objects: Any) -> None:
        """Insert new ORM objects in one write transaction, as plain INSERTs (no session, no
        unit of work): the column values they were given, the columns' defaults for the rest.
        The objects stay as they were built (transient): read back what was given, not what
        the database filled in."""
        steps: list[tuple[Executable, Mapping[str, Any] | None]] = []
        for obj in objects:
            table = obj.__table__
            statement = self._plain_inserts.get(table.name)
            if statement is None:
                statement = self._plain_inserts.setdefault(table.name, insert(table))
            steps.append((statement, _given_values(obj, table)))
        await self.execute_steps(steps)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction that commits on success and rolls back on any exception."""
        async with self._turn(), self._write() as session, session.begin():
            yield session

    async def insert_new(self, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows`` in one transaction, leaving any row whose primary key is already
        there as it is. Returns once committed."""
        if not rows:
            return
        statement = self._inserts.get(table.name)
        if statement is None:
            dialect = sqlite if self.is_sqlite else postgresql
            statement = dialect.insert(table).on_conflict_do_nothing()
            self._inserts[table.name] = statement
        if self._writes is not None or self._pg is not None:
            compiled = self._compile(statement, rows[0])
            keys = rows[0].keys()
            if compiled is not None and all(row.keys() == keys for row in rows):
                step = [(compiled.sql, [compiled.values(row) for row in rows])]
                if self._writes is not None:
                    async with self._turn():
                        await self._writes.transaction(step)
                    return
                if self._pg is not None:
                    with contextlib.suppress(ConnectionLost):
                        await self._pg.transaction(step)
                        return
        async with self._turn(), self._writer.begin() as conn:
            await conn.execute(statement, list(rows))

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
        if self._writes is not None:
            self._writes.close()
        if self._pg is not None:
            await self._pg.close()
        await self.engine.dispose()


@dataclass(frozen=True, slots=True)
class _Lookup:
    """A SELECT by one key compiled for the engine's dialect, and for SQLite the column types'
    own conversions of raw values (as the ORM applies them)."""

    statement: Select[Any]
    sql: str
    columns: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def build(cls, statement: Select[Any], engine: AsyncEngine) -> _Lookup:
        dialect = engine.dialect
        selected = statement.selected_columns
        processors = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in selected
        )
        sql = str(statement.compile(dialect=dialect))
        return cls(statement, sql, tuple(selected.keys()), processors)

    def typed(self, raw: Sequence[Any]) -> dict[str, Any]:
        return {
            name: (p(value) if p is not None else value)
            for name, p, value in zip(self.columns, self.processors, raw, strict=True)
        }


def _given_values(obj: Any, table: Table) -> dict[str, Any]:
    """The column values set on a new ORM object (its attributes are named as its columns)."""
    values = {}
    for column in table.columns:
        value = getattr(obj, column.key)
        if value is not None:
            values[column.key] = value
    return values


def _sqlite_file(url: str) -> str | None:
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return str(Path(path).resolve())
