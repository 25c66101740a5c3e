"""Password hashing for human-chosen passwords only, with Argon2id.

Uses Argon2id (RFC 9106 §3, the variant recommended in §4) through argon2-cffi, storing the
PHC string format (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``) so parameters travel with
each hash and can be raised later: a successful verify reports ``needs_rehash`` when the stored
parameters differ from the current ones. The floor is the OWASP Password Storage Cheat Sheet
minimum (m=19456 KiB, t=2, p=1); RFC 9106 §4 gives stronger profiles for those with memory to
spare. Hashing is memory-hard and takes tens of milliseconds, so it always runs in a dedicated,
bounded thread pool (the C code releases the GIL) and never on the event loop. ``burn`` spends
the same work on sign-in attempts for unknown accounts, so response time does not reveal
whether an account exists. Verifications reuse working memory from a small pool (see
``argon2_memory``), given back after ``idle_seconds`` without any. Opaque, high-entropy secrets
never come here (see ``secrets``).
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from bastion.crypto.argon2_memory import WorkingMemory
from bastion.crypto.encoding import b64url_encode

__all__ = ["Argon2Params", "PasswordCheck", "PasswordHasher", "threads_per_worker"]


def threads_per_worker(workers: int) -> int:
    """Hashing threads for one of ``workers`` processes: the cores this process may run on,
    shared among them (rounded up), at least 1."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, -(-(cores or 1) // max(1, workers)))


OWASP_MIN_MEMORY_KIB = 19456
OWASP_MIN_TIME_COST = 2
OWASP_MIN_PARALLELISM = 1


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost parameters. Values below the OWASP minimum need ``allow_weak=True``."""

    time_cost: int = 2
    memory_kib: int = 19456
    parallelism: int = 1
    hash_len: int = 32
    salt_len: int = 16
    allow_weak: bool = field(default=False, kw_only=True, compare=False)

    def __post_init__(self) -> None:
        if self.parallelism < 1 or self.time_cost < 1:
            raise ValueError("Argon2 time_cost and parallelism must be at least 1")
        if self.memory_kib < 8 * self.parallelism:
            raise ValueError("Argon2 memory_kib must be at least 8 x parallelism")
        if self.hash_len < 16 or self.salt_len < 16:
            raise ValueError("Argon2 hash_len and salt_len must be at least 16 bytes")
        if self.allow_weak:
            return
        if (
            self.memory_kib < OWASP_MIN_MEMORY_KIB
            or self.time_cost < OWASP_MIN_TIME_COST
            or self.parallelism < OWASP_MIN_PARALLELISM
        ):
            raise ValueError(
                "Argon2 parameters are below the OWASP minimum "
                f"(memory_kib >= {OWASP_MIN_MEMORY_KIB}, time_cost >= {OWASP_MIN_TIME_COST}, "
                f"parallelism >= {OWASP_MIN_PARALLELISM}); pass allow_weak=True only in tests"
            )

    @classmethod
    def weak_for_tests(
        cls, time_cost: int = 1, memory_kib: int = 64, parallelism: int = 1
    ) -> Argon2Params:
        """Cheap parameters for tests that do not care about cost. Never use in production."""
        return cls(time_cost, memory_kib, parallelism, allow_weak=True)


@dataclass(frozen=True)
class PasswordCheck:
    """The result of a verification: ``needs_rehash`` is only ever true when ``ok`` is."""

    ok: bool
    needs_rehash: bool


class PasswordHasher:
    """Argon2id hashing on a bounded thread pool, awaited from async code."""

    def __init__(
        self,
        params: Argon2Params = Argon2Params(),
        max_threads: int = 4,
        *,
        idle_seconds: float = 2.0,
    ) -> None:
        if max_threads < 1:
            raise ValueError("max_threads must be at least 1")
        self._params = params
        self._memory = WorkingMemory()
        self._idle_seconds = idle_seconds
        self._release: asyncio.TimerHandle | None = None
        self._hasher = argon2.PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_kib,
            parallelism=params.parallelism,
            hash_len=params.hash_len,
            salt_len=params.salt_len,
            type=argon2.Type.ID,
        )
        self._pool = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="argon2")
        # Computed off-thread now, so the first ``burn`` costs the same as any other.
        self._dummy_hash: Future[str] = self._pool.submit(
            self._hasher.hash, b64url_encode(os.urandom(24))
        )

    @property
    def params(self) -> Argon2Params:
        return self._params

    async def hash(self, password: str) -> str:
        """Hash ``password`` with a fresh random salt; returns the PHC string."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._hasher.hash, password)

    def _verify_sync(self, stored_hash: str, password: str) -> PasswordCheck:
        matched = self._memory.verify_raw(stored_hash, password.encode())
        if matched is None:  # not argon2id v19, or malformed: argon2-cffi decides
            try:
                matched = self._hasher.verify(stored_hash, password)
            except (VerificationError, InvalidHashError):
                matched = False
        if not matched:
            return PasswordCheck(ok=False, needs_rehash=False)
        try:
            needs_rehash = self._hasher.check_needs_rehash(stored_hash)
        except (InvalidHashError, ValueError):
            needs_rehash = True
        return PasswordCheck(ok=True, needs_rehash=needs_rehash)

    async def verify(self, stored_hash: str, password: str) -> PasswordCheck:
        """Check ``password`` against ``stored_hash``; never raises for a mismatch or bad hash."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, self._verify_sync, stored_hash, password)
        finally:
            self._release_when_idle(loop)

    def _release_when_idle(self, loop: asyncio.AbstractEventLoop) -> None:
        """Free the pooled working memory once ``idle_seconds`` pass without verifications."""
        if self._release is None:
            self._release = loop.call_later(self._idle_seconds, self._release_idle, loop)

    def _release_idle(self, loop: asyncio.AbstractEventLoop) -> None:
        self._release = None
        if not self._memory.release_idle(self._idle_seconds):
            self._release_when_idle(loop)

    def _burn_sync(self, password: str) -> None:
        self._verify_sync(self._dummy_hash.result(), password)

    async def burn(self, password: str) -> None:
        """Spend one verification's worth of work, for sign-ins of unknown accounts."""
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._pool, self._burn_sync, password)
        finally:
            self._release_when_idle(loop)

    def close(self) -> None:
        """Stop the worker threads (waits for hashes already running)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._release is not None:
            self._release.cancel()
            self._release = None
        self._memory.release_idle(0)
