"""Periodic clean-up every node runs: expired deny-list entries and opaque tokens, old change
events. Deletes are idempotent, so several nodes doing it at once is harmless."""

from __future__ import annotations

from datetime import timedelta

from bastion.ops.periodic import Periodic
from bastion.store.db import Database
from bastion.store.repositories import events
from bastion.store.repositories.tokens import SqlTokenStore
from bastion.store.types import utcnow

CHANGE_RETENTION = timedelta(hours=1)


class Housekeeping:
    def __init__(self, db: Database, tokens: SqlTokenStore, *, interval: float = 600.0) -> None:
        self.db = db
        self.tokens = tokens
        self._timer = Periodic("housekeeping", interval, self.run_once)

    async def run_once(self) -> None:
        now = utcnow()
        await self.tokens.prune(now)
        async with self.db.write() as session:
            await events.prune_changes(session, now - CHANGE_RETENTION)

    def start(self) -> None:
        self._timer.start()

    async def stop(self) -> None:
        await self._timer.stop()
