"""Single-flight: many callers that need the same refresh share one producer call.

`run(check, produce)` returns `check()` when it already has an answer; otherwise one
caller runs `produce()` while the others wait for it and then re-run `check()`.
Callers that waited behind a producer that FAILED receive that same error instead
of each trying again, so a failing token endpoint or JWKS URL sees one request per
wave of callers, not one per caller.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """The thread-safe variant."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._round = 0
        self._failure: Exception | None = None

    def run(self, check: Callable[[], T | None], produce: Callable[[], T]) -> T:
        seen = self._round
        with self._lock:
            if self._round != seen and self._failure is not None:
                raise self._failure
            value = check()
            if value is not None:
                return value
            self._round += 1
            try:
                value = produce()
            except Exception as exc:
                self._failure = exc
                raise
            self._failure = None
            return value


class AsyncSingleFlight(Generic[T]):
    """The asyncio variant (one event loop)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._round = 0
        self._failure: Exception | None = None

    async def run(self, check: Callable[[], T | None], produce: Callable[[], Awaitable[T]]) -> T:
        seen = self._round
        async with self._lock:
            if self._round != seen and self._failure is not None:
                raise self._failure
            value = check()
            if value is not None:
                return value
            self._round += 1
            try:
                value = await produce()
            except Exception as exc:
                self._failure = exc
                raise
            self._failure = None
            return value
