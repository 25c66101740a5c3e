"""Group commit: many small writes from concurrent requests, made in one transaction.

A transaction costs far more than the rows it carries (on SQLite: the write lock, re-reading
pages another process changed, the WAL append of every page it touched, several of which the
rows of a batch share). When requests that each need a write arrive together,
:class:`GroupCommit` hands the items of all those waiting to one flush. Every caller still
waits until its own item is committed before it answers, so nothing is acknowledged that
another node cannot read yet.

There is no timer and no added wait: the first item starts a flush at once; items that arrive
while it runs form the next batch, flushed as soon as the previous one is done. An idle server
pays one transaction per item, as before; a busy one pays one per batch.

The flush returns one outcome per item, in order: what that item's caller gets back, or an
exception raised to that caller alone. A flush that raises fails every caller of its batch
with the same exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

MAX_BATCH = 500

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


class GroupCommit(Generic[Item, Outcome]):
    def __init__(
        self,
        flush: Callable[[list[Item]], Awaitable[Sequence[Outcome | BaseException]]],
        *,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._flush = flush
        self._max_batch = max_batch
        self._pending: list[tuple[Item, asyncio.Future[Outcome]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, item: Item) -> Outcome:
        """Return ``item``'s outcome once it is committed (with whichever items were waiting
        beside it)."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                outcomes = await self._flush([item for item, _ in batch])
                if len(outcomes) != len(batch):
                    raise RuntimeError("a group commit's flush must give one outcome per item")
            except Exception as exc:  # every caller of this batch learns why
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
