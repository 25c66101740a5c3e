"""The change feed: how one node's write reaches every other node's caches.

Writers append a ``change_events`` row in the same transaction as their change. Each node
polls for rows after the last id it has seen (one indexed query per interval) and calls the
handlers subscribed to each row's topic. If the feed falls behind or fails, caches still
expire on their own TTL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta

from bastion.store.db import Database
from bastion.store.repositories import events
from bastion.store.types import utcnow

log = logging.getLogger("bastion.changes")
RETENTION = timedelta(hours=1)

Handler = Callable[[str], None]


class ChangeFeed:
    def __init__(self, db: Database, *, interval: float) -> None:
        self.db = db
        self.interval = interval
        self._handlers: dict[str, list[Handler]] = {}
        self._last_id: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._polls = 0

    def subscribe(self, topic: str, handler: Handler) -> None:
        self._handlers.setdefault(topic, []).append(handler)

    async def start(self) -> None:
        async with self.db.read() as session:
            self._last_id = await events.latest_change_id(session)
        self._task = asyncio.create_task(self._run(), name="bastion-change-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def poll_once(self) -> int:
        """Apply the changes since the last poll; returns how many were seen."""
        if self._last_id is None:
            async with self.db.read() as session:
                self._last_id = await events.latest_change_id(session)
            return 0
        async with self.db.read() as session:
            rows = await events.changes_after(session, self._last_id)
        for change_id, topic, ref in rows:
            for handler in self._handlers.get(topic, ()):
                handler(ref)
            self._last_id = change_id
        return len(rows)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.poll_once()
                self._polls += 1
                if self._polls % 600 == 0:
                    async with self.db.write() as session:
                        await events.prune_changes(session, utcnow() - RETENTION)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("change feed poll failed; caches fall back to their TTL")
