from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest

from bastion.crypto.passwords import (
    Argon2Params,
    PasswordCheck,
    PasswordHasher,
    threads_per_worker,
)

OWASP = Argon2Params(time_cost=2, memory_kib=19456, parallelism=1)


@pytest.fixture
def hasher() -> Iterator[PasswordHasher]:
    instance = PasswordHasher(OWASP)
    yield instance
    instance.close()


async def test_hash_and_verify(hasher: PasswordHasher) -> None:
    stored = await hasher.hash("correct horse battery staple")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert await hasher.verify(stored, "correct horse battery staple") == PasswordCheck(
        ok=True, needs_rehash=False
    )
    assert await hasher.verify(stored, "correct horse battery stapl") == PasswordCheck(
        ok=False, needs_rehash=False
    )
    assert await hasher.hash("correct horse battery staple") != stored  # salted


async def test_unicode_passwords(hasher: PasswordHasher) -> None:
    stored = await hasher.hash("pässwörd-密码-🔑")
    assert (await hasher.verify(stored, "pässwörd-密码-🔑")).ok
    assert not (await hasher.verify(stored, "passwörd-密码-🔑")).ok


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "not a hash",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$",
        "$argon2id$v=19$m=19456,t=2,p=1$!!!$???",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        "pbkdf2_sha256$600000$salt$hash",
    ],
)
async def test_malformed_hash_is_a_failed_check(hasher: PasswordHasher, stored: str) -> None:
    assert await hasher.verify(stored, "anything") == PasswordCheck(ok=False, needs_rehash=False)


async def test_needs_rehash_when_params_change(hasher: PasswordHasher) -> None:
    stored = await hasher.hash("pw-1234567890")
    stronger = PasswordHasher(Argon2Params(time_cost=3, memory_kib=19456, parallelism=1))
    try:
        assert await stronger.verify(stored, "pw-1234567890") == PasswordCheck(
            ok=True, needs_rehash=True
        )
        assert await stronger.verify(stored, "wrong") == PasswordCheck(ok=False, needs_rehash=False)
        rehashed = await stronger.hash("pw-1234567890")
        assert await stronger.verify(rehashed, "pw-1234567890") == PasswordCheck(True, False)
        # Old, weaker hashes still verify after the parameters are raised.
        assert (await hasher.verify(rehashed, "pw-1234567890")).needs_rehash
    finally:
        stronger.close()


async def test_burn_spends_comparable_work(hasher: PasswordHasher) -> None:
    """Measured in CPU time (the hashing threads are this process's), best of three, so that
    a busy machine does not make it flaky."""
    stored = await hasher.hash("real-password")
    await hasher.burn("warm-up")

    async def cpu_seconds(work: Callable[[], Awaitable[object]]) -> float:
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            await work()
            best = min(best, time.process_time() - started)
        return best

    verify_seconds = await cpu_seconds(lambda: hasher.verify(stored, "guess"))
    burn_seconds = await cpu_seconds(lambda: hasher.burn("guess"))
    assert burn_seconds > verify_seconds * 0.5


async def test_event_loop_keeps_running_while_hashing() -> None:
    hasher = PasswordHasher(OWASP, max_threads=2)
    ticks: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.001)

    task = asyncio.create_task(ticker())
    try:
        await asyncio.sleep(0)
        started = time.perf_counter()
        hashes = await asyncio.gather(*(hasher.hash(f"pw-{i}") for i in range(6)))
        elapsed = time.perf_counter() - started
    finally:
        done.set()
        await task
        hasher.close()
    assert len(set(hashes)) == 6
    during = [t for t in ticks if t >= started]
    assert len(during) >= 5
    longest_gap = max(b - a for a, b in itertools.pairwise(ticks))
    assert longest_gap < elapsed / 2


def test_params_below_owasp_minimum_are_refused() -> None:
    for time_cost, memory_kib in ((2, 19455), (1, 19456), (1, 4096)):
        with pytest.raises(ValueError, match="OWASP minimum"):
            Argon2Params(time_cost=time_cost, memory_kib=memory_kib)
    weak = Argon2Params(time_cost=1, memory_kib=1024, allow_weak=True)
    assert weak.memory_kib == 1024
    assert Argon2Params.weak_for_tests().allow_weak
    assert Argon2Params() == OWASP


@pytest.mark.parametrize(
    ("time_cost", "parallelism", "hash_len", "salt_len"),
    [(2, 0, 32, 16), (0, 1, 32, 16), (2, 1, 8, 16), (2, 1, 32, 4)],
)
def test_structurally_invalid_params_are_refused_even_when_weak(
    time_cost: int, parallelism: int, hash_len: int, salt_len: int
) -> None:
    with pytest.raises(ValueError):
        Argon2Params(time_cost, 19456, parallelism, hash_len, salt_len, allow_weak=True)


async def test_weak_params_for_fast_tests() -> None:
    hasher = PasswordHasher(Argon2Params.weak_for_tests(), max_threads=1)
    try:
        stored = await hasher.hash("pw")
        assert "m=64,t=1,p=1" in stored
        assert (await hasher.verify(stored, "pw")).ok
        await hasher.burn("pw")
    finally:
        hasher.close()


async def test_closed_hasher_refuses_work() -> None:
    hasher = PasswordHasher(Argon2Params.weak_for_tests(), max_threads=1)
    hasher.close()
    with pytest.raises(RuntimeError):
        await hasher.hash("pw")


def test_max_threads_must_be_positive() -> None:
    with pytest.raises(ValueError):
        PasswordHasher(OWASP, max_threads=0)


@pytest.mark.parametrize(
    ("cores", "workers", "threads"), [(2, 1, 2), (2, 2, 1), (2, 8, 1), (4, 3, 2), (8, 2, 4)]
)
def test_hashing_threads_share_the_cores_among_the_workers(
    monkeypatch: pytest.MonkeyPatch, cores: int, workers: int, threads: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)))
    assert threads_per_worker(workers) == threads
