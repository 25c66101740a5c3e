"""In-process limits on failed credential checks (a sliding window per key).

Only failures count, so a busy, well-behaved client is never slowed; a guesser is stopped after
``limit`` failures per window for its client id and for its IP address. Each node counts on
its own: behind a load balancer the effective limit is ``limit`` times the node count.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence

MAX_KEYS = 100_000


class FailureWindow:
    def __init__(
        self, *, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[Hashable, deque[float]] = {}

    def _recent(self, key: Hashable, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, keys: Sequence[Hashable]) -> int | None:
        now = self.clock()
        wait = 0.0
        for key in keys:
            times = self._recent(key, now)
            if times is not None and len(times) >= self.limit:
                wait = max(wait, times[0] + self.window - now)
        return math.ceil(wait) if wait > 0 else None

    def record_failure(self, keys: Sequence[Hashable]) -> None:
        now = self.clock()
        if len(self._failures) > MAX_KEYS:
            for key in list(self._failures):
                self._recent(key, now)
        for key in keys:
            times = self._failures.setdefault(key, deque())
            times.append(now)
            if len(times) > self.limit:
                times.popleft()
