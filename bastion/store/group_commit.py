"""Group commit: many small writes from concurrent requests, made in one transaction.

A transaction costs far more than the rows it carries (on SQLite: the write lock, re-reading
pages another process changed, the WAL append of every page it touched, several of which the
rows of a batch share). When requests that each need a write arrive together,
:class:`GroupCommit` hands the items of all those waiting to one flush. Every caller still
waits until its own item is committed before it answers, so nothing is acknowledged that
another node cannot read yet.

An idle server pays one transaction per item: the first item starts a flush at once. A busy
one pays one per batch: items that arrive while a flush runs form the next batch, and while
writes keep coming (the last flush ended less than ``BUSY_WINDOW`` ago) a flush first waits
``COALESCE`` seconds for company, as PostgreSQL's ``commit_delay`` does. On SQLite a
transaction's cost is mostly the pages it appends to the WAL, which the rows of a batch share.
Measured with two workers under load (side by side, 2 rounds of 6 s), the wait took a
revocation's batches from about 7 rows to 12 (counted with the wait on every flush),
revocation from 14,281 to 15,023 req/s (113 to 104 µs of CPU each) and refresh rotation from
1,871 to 1,952 (961 to 926 µs), for at most half a millisecond more per answer.

The flush returns one outcome per item, in order: what that item's caller gets back, or an
exception raised to that caller alone. A flush that raises fails every caller of its batch
with the same exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

MAX_BATCH = 500
COALESCE = 0.0005  # seconds a flush waits for company while writes keep arriving
BUSY_WINDOW = 0.005  # a flush that ended this recently means writes keep arriving

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


class GroupCommit(Generic[Item, Outcome]):
    def __init__(
        self,
        flush: Callable[[list[Item]], Awaitable[Sequence[Outcome | BaseException]]],
        *,
        max_batch: int = MAX_BATCH,
        coalesce: float = COALESCE,
    ) -> None:
        self._flush = flush
        self._max_batch = max_batch
        self._coalesce = coalesce
        self._last_flush = float("-inf")  # when the last flush ended, on the loop's clock
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
        loop = asyncio.get_running_loop()
        while self._pending:
            if (
                self._coalesce
                and len(self._pending) < self._max_batch
                and loop.time() - self._last_flush < BUSY_WINDOW
            ):
                await asyncio.sleep(self._coalesce)
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
            finally:
                self._last_flush = loop.time()
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
