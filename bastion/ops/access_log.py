"""Access lines, one per request, formatted directly and written in batches.

A record through :mod:`logging` costs tens of microseconds (a ``LogRecord``, a caller lookup,
a lock, a formatter and a flushed write each time): as much as answering a discovery request.
Access lines skip all that. Each is formatted here (the same fields, as JSON or text, as the
other log lines) and queued; the queue is written in one go ``FLUSH_DELAY`` seconds after its
first line (or at once when ``FLUSH_LINES`` are waiting, and when the worker stops), so a busy
worker makes one write for hundreds of requests instead of one per turn of its event loop.
Whether lines are written still follows the ``bastion.access`` logger's level.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from typing import Any

from bastion.crypto.encoding import json_dumps

_LOGGER = logging.getLogger("bastion.access")
FLUSH_DELAY = 0.05  # seconds a line may wait to be written with the next ones
FLUSH_LINES = 512


class AccessLog:
    def __init__(self) -> None:
        self.json = True
        self._lines: list[str] = []
        self._scheduled = False
        self._second = -1
        self._stamp = ""

    def configure(self, fmt: str) -> None:
        self.flush()
        self.json = fmt == "json"

    @staticmethod
    def enabled() -> bool:
        return _LOGGER.isEnabledFor(logging.INFO)

    def _timestamp(self, now: float, *, iso: bool) -> str:
        second = int(now)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        millis = int((now - second) * 1000)
        return f"{self._stamp}.{millis:03d}Z" if iso else f"{self._stamp},{millis:03d}"

    def record(
        self,
        request_id: str,
        method: str,
        path: str,
        status: int,
        ms: float,
        remote: str | None,
    ) -> None:
        now = time.time()
        if self.json:
            entry: dict[str, Any] = {
                "ts": self._timestamp(now, iso=True),
                "level": "info",
                "logger": "bastion.access",
                "msg": "request",
                "request_id": request_id,
                "method": method,
                "path": path,
                "status": status,
                "ms": ms,
                "remote": remote,
            }
            line = json_dumps(entry).decode()
        else:
            stamp = self._timestamp(now, iso=False).replace("T", " ")
            line = (
                f"{stamp} INFO bastion.access: {method} {path} {status} {ms}ms {remote} "
                f"[{request_id}]"
            )
        self._lines.append(line + "\n")
        if len(self._lines) >= FLUSH_LINES:
            self.flush()
        elif not self._scheduled:
            self._scheduled = True
            try:
                asyncio.get_running_loop().call_later(FLUSH_DELAY, self.flush)
            except RuntimeError:
                self.flush()

    def flush(self) -> None:
        self._scheduled = False
        if not self._lines:
            return
        lines, self._lines = self._lines, []
        stream = sys.stderr
        stream.write("".join(lines))
        stream.flush()


ACCESS_LOG = AccessLog()
