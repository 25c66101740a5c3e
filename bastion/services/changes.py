"""The change feed: how one node's write reaches every other node's caches.

Writers append a ``change_events`` row in the same transaction as their change. Each node
polls for rows after the last id it has seen (one indexed query per interval) and calls the
handlers subscribed to each row's topic. If the feed falls behind or fails, caches still
expire on their own TTL.
"""

from __future__ import annotations

from collections.abc import Callable

from bastion.ops.periodic import Periodic
from bastion.store.db import Database
from bastion.store.repositories import events

Handler = Callable[[str], None]


class ChangeFeed:
    def __init__(self, db: Database, *, interval: float) -> None:
        self.db = db
        self._handlers: dict[str, list[Handler]] = {}
        self._last_id: int | None = None
        self._poller = Periodic("change-feed", interval, self.poll_once)

    def subscribe(self, topic: str, handler: Handler) -> None:
        self._handlers.setdefault(topic, []).append(handler)

    async def start(self) -> None:
        async with self.db.read() as session:
            self._last_id = await events.latest_change_id(session)
        self._poller.start()

    async def stop(self) -> None:
        await self._poller.stop()

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
