"""Periodic clean-up every node runs: expired deny-list entries and opaque tokens, old change
events. Deletes are idempotent, so several nodes doing it at once is harmless."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from bastion.store.db import Database
from bastion.store.repositories import events
from bastion.store.repositories.tokens import SqlTokenStore
from bastion.store.types import utcnow

log = logging.getLogger("bastion.housekeeping")
CHANGE_RETENTION = timedelta(hours=1)


class Housekeeping:
    def __init__(self, db: Database, tokens: SqlTokenStore, *, interval: float = 600.0) -> None:
        self.db = db
        self.tokens = tokens
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> None:
        now = utcnow()
        await self.tokens.prune(now)
        async with self.db.write() as session:
            await events.prune_changes(session, now - CHANGE_RETENTION)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="bastion-housekeeping")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("housekeeping failed; it will run again")
