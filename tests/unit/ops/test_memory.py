"""Hashing threads give argon2id's working memory back: after hashes on several threads and a
quiet moment, the process is not left holding a hash's worth of memory per thread."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import asyncio, sys
from pathlib import Path
from bastion.crypto.passwords import PasswordHasher
from bastion.ops.memory import return_large_blocks

def rss_mib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

async def main():
    if sys.argv[1] == "pinned":
        assert return_large_blocks()
    hasher = PasswordHasher(max_threads=4, idle_seconds=0.2)
    await hasher.hash("warm up the pool and the dummy hash")
    before = rss_mib()
    stored = await asyncio.gather(*(hasher.hash(f"password {n}") for n in range(8)))
    await asyncio.gather(*(hasher.verify(h, "password 0") for h in stored))
    await asyncio.sleep(0.6)  # the verifications' pooled memory is freed once they go quiet
    print(rss_mib() - before)
    hasher.close()

asyncio.run(main())
"""


def grown_mib(mode: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return float(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_hashing_threads_do_not_keep_a_hash_worth_of_memory_each() -> None:
    pinned = grown_mib("pinned")
    assert pinned < 19, pinned  # less than one hash's 19 MiB, for 16 hashes on 4 threads
