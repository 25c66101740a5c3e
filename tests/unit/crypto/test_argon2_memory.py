"""Verification through pooled working memory agrees with argon2-cffi's own, and the pool
holds no more buffers than ran at once, none once idle."""

from __future__ import annotations

import argon2
import pytest

from bastion.crypto.argon2_memory import WorkingMemory, verify_params


@pytest.mark.parametrize(
    ("time_cost", "memory_kib", "parallelism"),
    [(1, 64, 1), (2, 1000, 1), (3, 257, 2), (1, 8, 1), (2, 19456, 1)],
)
def test_matches_argon2_cffi(time_cost: int, memory_kib: int, parallelism: int) -> None:
    hasher = argon2.PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, hash_len=24
    )
    stored = hasher.hash("pässwörd-🔑")
    memory = WorkingMemory()
    assert memory.verify_raw(stored, "pässwörd-🔑".encode()) is True
    assert memory.verify_raw(stored, b"passwoerd") is False
    assert memory.verify_raw(stored, "pässwörd-🔑".encode()) is True  # the buffer, reused
    assert memory.held() > 0
    assert memory.release_idle(0)
    assert memory.held() == 0


def test_keeps_recently_used_buffers() -> None:
    stored = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash("pw")
    memory = WorkingMemory()
    assert memory.verify_raw(stored, b"pw")
    assert not memory.release_idle(60)
    assert memory.held() == 64 * 1024


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
        "$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
        "$argon2id$v=19$m=64,t=1,p=1$!!!$???",
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$",
        "$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
    ],
)
def test_other_or_malformed_hashes_are_left_to_the_caller(stored: str) -> None:
    assert verify_params(stored) is None
    assert WorkingMemory().verify_raw(stored, b"pw") is None
