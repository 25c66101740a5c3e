"""Giving large freed blocks back to the operating system.

An argon2id hash holds ``argon2_memory_kib`` (19 MiB at the OWASP minimum) while it runs, from
malloc. glibc serves a block that large by mapping it, but after the first such block is freed
it raises its mapping threshold above that size, so later hashes take their memory from the
hashing thread's heap, which keeps it: each hashing thread would then hold 19 MiB of resident
memory for good. Pinning the threshold (``M_MMAP_THRESHOLD``, the same as setting
``MALLOC_MMAP_THRESHOLD_``) keeps large blocks mapped, so their memory is returned when freed.
Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
THRESHOLD_BYTES = 1024 * 1024  # above any allocation a request makes, far below a hash's

log = logging.getLogger("bastion.memory")


def return_large_blocks() -> bool:
    """Pin glibc's mmap threshold; True when it took effect."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES))
    if not ok:
        log.warning("could not pin the malloc mmap threshold; hashing threads keep their memory")
    return ok
