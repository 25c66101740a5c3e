"""Argon2id verification into reusable working memory, given back when hashing goes quiet.

libargon2 takes a fresh ``m`` KiB block from malloc for every hash. Bastion keeps large blocks
mapped (see ``bastion.ops.memory``) so that they are returned when freed, which means every
hash faults in 19 MiB of new zeroed pages: measured at about 18 ms of system CPU per hash at
the OWASP minimum, on top of about 27 ms of hashing. Here the block comes instead from a small
pool of buffers, handed to libargon2 through its ``allocate_cbk`` hook (argon2-cffi's low-level
``core``), so busy workers fault their memory in once. The pool never holds more buffers than
hashes ran at once (at most the hashing threads), and :meth:`WorkingMemory.release_idle` frees
the buffers once none was used for a while, so an idle worker holds none.

Only argon2id version 19 hashes go this way; anything else is left to argon2-cffi's
high-level ``verify`` (``verify_raw`` returns None). libargon2 still wipes the block before
handing it back (its ``free_cbk`` runs after the wipe), and the comparison is constant-time.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import threading
import time
from typing import Any

import argon2
from argon2 import low_level
from argon2.low_level import Type, core, ffi

__all__ = ["WorkingMemory", "verify_params"]

_ARGON2_OK = 0
_VERSION = 19
_lib: Any = getattr(low_level, "lib")  # noqa: B009  (not in low_level's __all__)
_BLOCK_BYTES = 1024  # ARGON2_BLOCK_SIZE


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def verify_params(stored_hash: str) -> tuple[argon2.Parameters, bytes, bytes] | None:
    """An argon2id v19 PHC string's parameters, salt and hash; None for anything else."""
    parts = stored_hash.split("$")
    if len(parts) != 6 or parts[1] != "argon2id" or parts[2] != f"v={_VERSION}":
        return None
    try:
        params = argon2.extract_parameters(stored_hash)
        salt, digest = _b64decode(parts[4]), _b64decode(parts[5])
    except (argon2.exceptions.InvalidHashError, ValueError, binascii.Error):
        return None
    if len(salt) < 8 or len(digest) < 4:
        return None
    return params, salt, digest


class WorkingMemory:
    """A pool of argon2 working-memory buffers shared by the hashing threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free: list[tuple[int, Any, float]] = []  # (size, cdata buffer, last used)
        self._lent = threading.local()
        self._allocate = ffi.callback("int(uint8_t **, size_t)", self._on_allocate)
        self._deallocate = ffi.callback("void(uint8_t *, size_t)", self._on_free)

    def _on_allocate(self, memory: Any, size: int) -> int:
        buffer = self._lent.buffer
        if buffer is None or len(buffer) < size:
            return int(_lib.ARGON2_MEMORY_ALLOCATION_ERROR)
        memory[0] = buffer
        return _ARGON2_OK

    def _on_free(self, _memory: Any, _size: int) -> None:
        """libargon2 has wiped the block already; it goes back to the pool after ``core``."""

    def _take(self, size: int) -> Any:
        with self._lock:
            for index, (held, buffer, _) in enumerate(self._free):
                if held == size:
                    del self._free[index]
                    return buffer
        return ffi.new("uint8_t[]", size)

    def _give_back(self, size: int, buffer: Any) -> None:
        with self._lock:
            self._free.append((size, buffer, time.monotonic()))

    def held(self) -> int:
        """Bytes held in idle buffers."""
        with self._lock:
            return sum(size for size, _, _ in self._free)

    def release_idle(self, idle_seconds: float) -> bool:
        """Free the buffers unused for ``idle_seconds``; True when none is left held."""
        cutoff = time.monotonic() - idle_seconds
        with self._lock:
            kept = [entry for entry in self._free if entry[2] > cutoff]
            released, self._free = self._free, kept
        del released  # freed here, outside the lock
        return not kept

    def verify_raw(self, stored_hash: str, password: bytes) -> bool | None:
        """Whether ``password`` matches an argon2id v19 ``stored_hash``; None when the hash is
        of another kind (or malformed), for the caller's general verification."""
        parsed = verify_params(stored_hash)
        if parsed is None:
            return None
        params, salt, expected = parsed
        lanes = params.parallelism
        # libargon2 rounds m down to a multiple of 4 x lanes, with a floor of 8 x lanes.
        blocks = max(params.memory_cost, 8 * lanes) // (4 * lanes) * (4 * lanes)
        size = blocks * _BLOCK_BYTES
        out = ffi.new("uint8_t[]", len(expected))
        pwd = ffi.new("uint8_t[]", password)
        csalt = ffi.new("uint8_t[]", salt)
        ctx = ffi.new(
            "argon2_context *",
            {
                "out": out,
                "outlen": len(expected),
                "pwd": pwd,
                "pwdlen": len(password),
                "salt": csalt,
                "saltlen": len(salt),
                "secret": ffi.NULL,
                "secretlen": 0,
                "ad": ffi.NULL,
                "adlen": 0,
                "t_cost": params.time_cost,
                "m_cost": params.memory_cost,
                "lanes": lanes,
                "threads": lanes,
                "version": _VERSION,
                "allocate_cbk": self._allocate,
                "free_cbk": self._deallocate,
                "flags": _lib.ARGON2_DEFAULT_FLAGS,
            },
        )
        buffer = self._take(size)
        self._lent.buffer = buffer
        try:
            result = core(ctx, Type.ID.value)
        finally:
            self._lent.buffer = None
            self._give_back(size, buffer)
        if result != _ARGON2_OK:
            return None
        return hmac.compare_digest(bytes(ffi.buffer(out, len(expected))), expected)
