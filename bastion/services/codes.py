"""Six-digit one-time codes sent by mail (email verification, password reset).

Single use, short-lived, at most ``MAX_ATTEMPTS`` wrong entries each; issuing a new code
retires the older ones of the same purpose. Only a keyed hash bound to the user and the
purpose is stored.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from bastion.crypto.secrets import KeyedHasher
from bastion.domain.ids import new_id
from bastion.domain.tenancy import Tenant
from bastion.store.db import Database
from bastion.store.repositories import interactions
from bastion.store.schema import OneTimeCode
from bastion.store.types import utcnow

MAX_ATTEMPTS = 5
VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"


class OneTimeCodes:
    def __init__(self, db: Database, hasher: KeyedHasher, *, ttl: int) -> None:
        self.db = db
        self.hasher = hasher
        self.ttl = ttl

    def _digest(self, user_id: str, purpose: str, code: str) -> bytes:
        return self.hasher.digest(f"otc/{purpose}/{user_id}/{code}")

    async def issue(self, tenant: Tenant, user_id: str, purpose: str) -> str:
        code = f"{secrets.randbelow(1_000_000):06d}"
        now = utcnow()
        async with self.db.write() as session:
            for old in await interactions.live_codes(session, tenant, user_id, purpose, now):
                old.consumed_at = now
            session.add(
                OneTimeCode(
                    id=new_id(),
                    workspace_id=tenant.workspace_id,
                    app_id=tenant.app_id,
                    end_user_id=user_id,
                    purpose=purpose,
                    digest=self._digest(user_id, purpose, code),
                    expires_at=now + timedelta(seconds=self.ttl),
                )
            )
        return code

    async def redeem(self, tenant: Tenant, user_id: str, purpose: str, code: str) -> bool:
        """Consume the live code if ``code`` is it; count a wrong entry otherwise."""
        wanted = self._digest(user_id, purpose, code.strip())
        now = utcnow()
        async with self.db.write() as session:
            live = await interactions.live_codes(session, tenant, user_id, purpose, now)
            current = live[0] if live else None
            if current is None or current.attempts >= MAX_ATTEMPTS:
                return False
            if not secrets.compare_digest(current.digest, wanted):
                current.attempts += 1
                return False
            current.consumed_at = now
            return True
