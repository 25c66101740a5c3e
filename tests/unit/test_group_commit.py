"""Group commit: rows written together by whoever is waiting, each caller released only once
its own row is committed with its own outcome, failures of a flush shared by its batch."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bastion.store.group_commit import BUSY_WINDOW, GroupCommit


class Recorder:
    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.committed: set[int] = set()
        self.fail_on = fail_on

    async def flush(self, rows: list[dict[str, Any]]) -> list[int | BaseException]:
        numbers = [row["n"] for row in rows]
        self.batches.append(numbers)
        await asyncio.sleep(0.01)  # the transaction takes a while: others queue up meanwhile
        if self.fail_on in numbers:
            raise RuntimeError("disk full")
        self.committed.update(numbers)
        # Each caller gets its own outcome: odd rows are refused on their own.
        return [ValueError(f"odd {n}") if n % 2 and n >= 100 else n * 10 for n in numbers]


async def test_concurrent_rows_share_transactions_and_wait_for_their_commit() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.flush, coalesce=0)  # no waiting for company: see below

    async def write(n: int) -> int:
        outcome = await group.write({"n": n})
        assert n in recorder.committed  # released only after its own row was committed
        assert outcome == n * 10  # and with its own outcome
        return n

    assert await asyncio.gather(*(write(n) for n in range(50))) == list(range(50))
    assert recorder.batches == [list(range(50))]  # all were waiting: one transaction
    # Rows that arrive while a flush runs go together into the next one.
    first = asyncio.create_task(write(50))
    await asyncio.sleep(0)
    await asyncio.gather(first, *(write(n) for n in range(51, 60)))
    assert recorder.batches[1:] == [[50], list(range(51, 60))]


async def test_while_writes_keep_coming_a_flush_waits_for_company() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.flush, coalesce=0.2)
    await group.write({"n": 0})
    # The last flush has just ended: the next one waits, and a row arriving meanwhile joins.
    first = asyncio.create_task(group.write({"n": 1}))
    await asyncio.sleep(0.05)
    await asyncio.gather(first, group.write({"n": 2}))
    assert recorder.batches == [[0], [1, 2]]


async def test_an_idle_writer_does_not_wait_for_company() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.flush, coalesce=30)
    # The first write ever, and one after a quiet spell, go out at once (a wait would time out).
    await asyncio.wait_for(group.write({"n": 0}), timeout=5)
    await asyncio.sleep(BUSY_WINDOW * 2)
    await asyncio.wait_for(group.write({"n": 1}), timeout=5)
    assert recorder.batches == [[0], [1]]


async def test_a_lone_row_is_written_at_once() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.flush)
    await group.write({"n": 1})
    await group.write({"n": 2})
    assert recorder.batches == [[1], [2]]


async def test_batches_are_bounded() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.flush, max_batch=4)
    await asyncio.gather(*(group.write({"n": n}) for n in range(10)))
    assert max(len(b) for b in recorder.batches) <= 4
    assert len(recorder.committed) == 10


async def test_a_failed_flush_fails_its_batch_only() -> None:
    recorder = Recorder(fail_on=3)
    group = GroupCommit(recorder.flush)
    first = asyncio.create_task(group.write({"n": 0}))
    await asyncio.sleep(0)  # 0 is being flushed; 1-3 queue behind it and share a batch
    rest = [asyncio.create_task(group.write({"n": n})) for n in (1, 2, 3)]
    await first
    for task in rest:
        with pytest.raises(RuntimeError, match="disk full"):
            await task
    await group.write({"n": 4})  # the next batch is written as usual
    assert recorder.committed == {0, 4}


async def test_each_caller_gets_its_own_outcome() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.flush)
    tasks = [asyncio.create_task(group.write({"n": n})) for n in range(100, 106)]
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert recorder.batches == [list(range(100, 106))]
    assert [o if isinstance(o, int) else str(o) for o in outcomes] == [
        1000,
        "odd 101",
        1020,
        "odd 103",
        1040,
        "odd 105",
    ]


async def test_a_flush_must_answer_every_caller() -> None:
    async def short(rows: list[dict[str, Any]]) -> list[int]:
        return [1] * (len(rows) - 1)

    group: GroupCommit[dict[str, Any], int] = GroupCommit(short)
    with pytest.raises(RuntimeError, match="one outcome per item"):
        await group.write({"n": 1})
