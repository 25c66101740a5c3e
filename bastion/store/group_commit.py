"""Group commit: many small inserts from concurrent requests, written in one transaction.

A transaction costs far more than the row it carries (on SQLite: the write lock, the WAL
append and several hand-offs to the driver's thread). When requests that each need one row
written arrive together, :class:`GroupCommit` writes the rows of all those waiting in one
transaction. Every caller still waits until its own row is committed before it answers, so
nothing is acknowledged that another node cannot read yet.

There is no timer and no added wait: the first row starts a flush at once; rows that arrive
while it runs form the next batch, flushed as soon as the previous one is done. An idle server
pays one transaction per row, as before; a busy one pays one per batch. A failed flush fails
every caller of that batch with the same exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Row = dict[str, Any]
MAX_BATCH = 500


class GroupCommit:
    def __init__(
        self, flush: Callable[[list[Row]], Awaitable[None]], *, max_batch: int = MAX_BATCH
    ) -> None:
        self._flush = flush
        self._max_batch = max_batch
        self._pending: list[tuple[Row, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, row: Row) -> None:
        """Return once ``row`` is committed (with whichever rows were waiting beside it)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        await future

    async def _drain(self) -> None:
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                await self._flush([row for row, _ in batch])
            except Exception as exc:  # every caller of this batch learns why
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)
