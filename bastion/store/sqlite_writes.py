"""Short write transactions on SQLite, each in one call to ``sqlite3`` on the event loop.

Through the async engine, a small write transaction costs a pooled connection, ``BEGIN
IMMEDIATE``, each statement, ``COMMIT`` and the pool's reset on check-in; with aiosqlite every
one of those is a hand-off to the connection's thread and back. Measured on our 2-core test
machine, one hand-off costs about 0.2 ms of CPU, while the transaction's own work (a row or two
into a B-tree and the WAL) takes about 25 µs. The hot paths' writes (the deny-list's group
commits, a refresh token's rotation) therefore go through :class:`DirectWriter`: a plain
``sqlite3`` connection of its own that runs a whole transaction (``BEGIN IMMEDIATE``, the
statements, ``COMMIT``) in one call, on the loop's thread.

Two things could stall the loop there, and neither is allowed to:

* the write lock, held by another process: the transaction starts under a zero busy timeout
  and, when the lock is taken, waits on the loop (growing pauses, ``LOCK_WAIT_LIMIT`` in all),
  as the inline driver does (:mod:`bastion.store.sqlite_engine`);
* a checkpoint (copying the WAL into the database file, with an fsync): this connection never
  checkpoints when it commits; every ``CHECKPOINT_EVERY`` commits it has a thread of its own run
  a passive checkpoint on another connection.

A passive checkpoint never waits, so under writes that never pause (two workers revoking
tokens, say) it never catches up, and SQLite can restart the WAL only once one has: measured,
the WAL grew by about 28 MB a second for as long as the load lasted, and every page read
searches an index that grows with it. So once the WAL holds ``WAL_LIMIT_FRAMES`` pages, the
thread runs a truncating checkpoint instead: it holds new writers back (they wait on the loop,
as for any lock) while it copies the rest and empties the file.

The connection has the engine's settings (WAL, ``synchronous=NORMAL``, foreign keys on), so a
transaction here is as durable as any other commit, and readable by every process once it
returns. Statements are SQLAlchemy Core statements compiled once
(:class:`~bastion.store.compiled.CompiledStatement`), with the column types' own conversions
of Python values, as the engine applies them. Errors
are raised as the engine raises them (``sqlalchemy.exc.IntegrityError``, ...).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy.exc import DBAPIError, StatementError

from bastion.store import sqlite_engine
from bastion.store.compiled import Group, Step
from bastion.store.sqlite_engine import FIRST_PAUSE, LONGEST_PAUSE, THREAD_BUSY_TIMEOUT_MS

CHECKPOINT_EVERY = 256  # commits between passive checkpoints (a few pages each)
WAL_LIMIT_FRAMES = 4096  # pages in the WAL (16 MiB at 4 KiB) past which it is emptied

log = logging.getLogger(__name__)


class DirectWriter:
    """A read-write connection of its own that runs each transaction in one call."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._commits = 0
        self._thread = ThreadPoolExecutor(1, "bastion-sqlite-checkpoint")
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpointing: Future[None] | None = None

    async def transaction(self, steps: Sequence[Step], *, guarded: bool = False) -> int:
        """Run the steps in order in one transaction (a step with several parameter tuples
        runs once per tuple) and return the number of rows the first one changed. When
        ``guarded`` and the first one changed nothing, the rest are not run and nothing is
        written (returns 0). Returns once committed."""
        return (await self.transaction_groups([(steps, guarded)]))[0]

    async def transaction_groups(self, groups: Sequence[Group]) -> list[int]:
        """Several groups of steps in one transaction, each run as :meth:`transaction` would
        run it alone (a guarded group whose first step changes nothing is skipped); the rows
        each group's first step changed. A failing step fails them all: nothing is written."""
        deadline = time.monotonic() + sqlite_engine.LOCK_WAIT_LIMIT
        pause = FIRST_PAUSE
        while True:
            changed = self._run(groups, last_try=time.monotonic() + pause > deadline)
            if changed is not None:
                return changed
            await asyncio.sleep(pause)  # the write lock is taken: the loop goes on meanwhile
            pause = min(pause * 2, LONGEST_PAUSE)

    def _run(self, groups: Sequence[Group], *, last_try: bool) -> list[int] | None:
        """One transaction; None (nothing written) when the write lock is taken and this is
        not the last try."""
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or last_try:
                raise _as_engine_error("BEGIN IMMEDIATE", exc) from exc
            return None
        sql = "COMMIT"
        outcomes = []
        try:
            for steps, guarded in groups:
                changed = -1
                for sql, rows in steps:
                    if len(rows) == 1:
                        cursor = conn.execute(sql, rows[0])
                    else:
                        cursor = conn.executemany(sql, rows)
                    if changed < 0:
                        changed = cursor.rowcount
                        if guarded and changed == 0:
                            break  # nothing of this group is written
                outcomes.append(changed)
            sql = "COMMIT"
            conn.execute(sql)
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise _as_engine_error(sql, exc) from exc
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._committed()
        return outcomes

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=0")  # the write lock is waited for on the loop
            conn.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run on the thread
            self._conn = conn
        return self._conn

    def _committed(self) -> None:
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY:
            return
        if self._checkpointing is not None and not self._checkpointing.done():
            return
        self._commits = 0
        self._checkpointing = self._thread.submit(self._checkpoint)
        self._checkpointing.add_done_callback(_log_failure)

    def _checkpoint(self) -> None:
        """On the thread: copy what the WAL holds into the database, without waiting for
        readers or writers (what is in use is copied by a later checkpoint); past
        ``WAL_LIMIT_FRAMES``, wait for them, copy everything and empty the WAL."""
        if self._checkpointer is None:
            self._checkpointer = sqlite3.connect(
                self.path,
                timeout=THREAD_BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
        _busy, frames, _copied = self._checkpointer.execute(
            "PRAGMA wal_checkpoint(PASSIVE)"
        ).fetchone()
        if frames >= WAL_LIMIT_FRAMES:
            self._checkpointer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        for conn in (self._conn, self._checkpointer):
            if conn is not None:
                conn.close()
        self._conn = self._checkpointer = None


def _as_engine_error(sql: str, exc: sqlite3.Error) -> StatementError:
    """The exception the engine would raise for ``exc`` (IntegrityError, OperationalError...)."""
    return DBAPIError.instance(sql, None, exc, sqlite3.Error)


def _log_failure(done: Future[None]) -> None:
    exc = done.exception()
    if exc is not None:
        log.warning("passive WAL checkpoint failed: %s", exc)
