"""asyncpg connections of its own for the hot paths' point reads and short writes on PostgreSQL.

Through the async engine, one indexed lookup costs a pool checkout with a ping (a round trip
of its own), the greenlet hand-offs and the result machinery: about as much CPU as the rest of
an introspection. The same lookup over an asyncpg connection held here is one prepared
statement (asyncpg caches it per connection) and one round trip. It is the PostgreSQL twin of
:mod:`bastion.store.sqlite_direct` and :mod:`bastion.store.sqlite_writes`: statements come
compiled for the engine's dialect (``$n`` placeholders, values converted by the column types),
and JSON is encoded and decoded as the engine's own connections do.

A connection that turns out to be dead (the server restarted, a proxy dropped it) before
anything was read or written raises :class:`ConnectionLost`, and the caller takes the engine's
path, whose pool pings; asyncpg's pool replaces the connection. Once a write has
started, a failure is raised as the engine would raise it (``IntegrityError`` for a violated
constraint, ``OperationalError`` for a lost connection), never retried: the outcome of a
commit cut off halfway is unknown.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from bastion.store.compiled import Group, Step

# Options of the engine's URL that SQLAlchemy's asyncpg dialect reads itself.
_ENGINE_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func", "async_fallback")
# What a connection the server or the network dropped raises: at once, or (the server's
# "terminating connection" arriving between two statements) as a protocol in the wrong state.
_LOST = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    OSError,
)


class DirectPostgres:
    def __init__(self, url: URL, dialect: Dialect, *, size: int) -> None:
        _, options = dialect.create_connect_args(url)
        self._options = {k: v for k, v in options.items() if k not in _ENGINE_ONLY}
        if "prepared_statement_cache_size" in options:  # 0 behind PgBouncer's transaction mode
            self._options["statement_cache_size"] = int(options["prepared_statement_cache_size"])
        self._loads: Callable[[str], Any] = (
            getattr(dialect, "_json_deserializer", None) or json.loads
        )
        self._size = size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def read_one(self, sql: str, args: Sequence[Any]) -> asyncpg.Record | None:
        """The first row, or None; raises ``ConnectionLost`` when the connection was dead."""
        pool = await self._connections()
        try:
            async with pool.acquire() as conn:
                row: asyncpg.Record | None = await conn.fetchrow(sql, *args)
                return row
        except _LOST as exc:
            raise ConnectionLost from exc

    async def transaction(self, steps: Sequence[Step], *, guarded: bool = False) -> int:
        """Run the steps in order in one transaction (a step with several parameter tuples runs
        once per tuple) and return the number of rows the first one changed; when ``guarded``
        and it changed none, the rest are not run and nothing is written (returns 0). Returns
        once committed; raises ``ConnectionLost`` when the connection was dead before the
        transaction began."""
        return (await self.transaction_groups([(steps, guarded)]))[0]

    async def transaction_groups(self, groups: Sequence[Group]) -> list[int]:
        """Several groups of steps in one transaction, each run as :meth:`transaction` would
        run it alone (a guarded group whose first step changes nothing is skipped); the rows
        each group's first step changed. A failing step fails them all: nothing is written."""
        pool = await self._connections()
        async with pool.acquire() as conn:
            tx = conn.transaction()
            try:
                await tx.start()
            except _LOST as exc:
                raise ConnectionLost from exc
            sql = "BEGIN"
            outcomes = []
            try:
                for steps, guarded in groups:
                    changed = -1
                    for sql, rows in steps:
                        if len(rows) == 1:
                            count = _rows_changed(await conn.execute(sql, *rows[0]))
                        else:
                            await conn.executemany(sql, rows)
                            count = len(rows)
                        if changed < 0:
                            changed = count
                            if guarded and changed == 0:
                                break  # nothing of this group is written
                    outcomes.append(changed)
                sql = "COMMIT"
                await tx.commit()
            except BaseException as exc:
                if not conn.is_closed() and conn.is_in_transaction():
                    # A rollback that fails too must not hide why: the pool's reset on release
                    # closes a connection it cannot clean.
                    with contextlib.suppress(Exception):
                        await asyncio.shield(tx.rollback())
                if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
                    raise IntegrityError(sql, None, exc) from exc
                if isinstance(exc, _LOST):
                    raise OperationalError(sql, None, exc) from exc
                if isinstance(exc, asyncpg.PostgresError):
                    raise DBAPIError(sql, None, exc) from exc
                raise
            return outcomes

    async def _connections(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        min_size=1, max_size=self._size, init=self._codecs, **self._options
                    )
        return self._pool

    async def _codecs(self, conn: asyncpg.Connection) -> None:
        """JSON as the engine's connections have it: text in, the engine's parser out."""
        loads = self._loads
        await conn.set_type_codec(
            "json",
            encoder=str.encode,
            decoder=lambda raw: loads(raw.decode()),
            schema="pg_catalog",
            format="binary",
        )
        await conn.set_type_codec(
            "jsonb",
            encoder=lambda text: b"\x01" + text.encode(),  # jsonb's binary format version
            decoder=lambda raw: loads(raw[1:].decode()),
            schema="pg_catalog",
            format="binary",
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


class ConnectionLost(Exception):
    """The connection was dead before anything was read or written: take the engine's path."""


def _rows_changed(status: str) -> int:
    """The row count of a command status such as ``UPDATE 1`` or ``INSERT 0 3``."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0
