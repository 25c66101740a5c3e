"""After start, what is alive is frozen out of the collector's walks and collections come less
often; cycles made later are still collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bastion.ops.gc_tuning import THRESHOLDS, settle_after_start


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settling_freezes_what_is_alive_and_raises_the_thresholds(restored_gc: None) -> None:
    kept = [Node() for _ in range(10)]
    settle_after_start()
    assert gc.get_threshold() == THRESHOLDS
    assert gc.get_freeze_count() >= len(kept)


def test_cycles_made_afterwards_are_still_collected(restored_gc: None) -> None:
    settle_after_start()
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None
