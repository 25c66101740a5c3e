"""Signing keys: generate, seal at rest, rotate (next → active → retired), publish.

Every issuer always has an *active* key that signs and a *next* key that is already published,
so caches that fetched the JWKS before a rotation know the new key when it starts signing.
A retired key stays published until every token it can have signed has expired, counting the
time other nodes may keep signing with it before they see the rotation.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.crypto.encoding import json_dumps
from bastion.crypto.envelope import Sealer
from bastion.crypto.jwt import SigningKey, VerificationKey
from bastion.crypto.keys import (
    KeyState,
    SigningAlg,
    generate_private_key,
    new_kid,
    private_key_from_der,
    private_key_to_der,
    public_jwk,
    public_key_from_jwk,
)
from bastion.oauth.models import KeySet
from bastion.store.repositories import events, issuers
from bastion.store.schema import Issuer
from bastion.store.schema import SigningKey as KeyRow


class KeySetUnavailable(RuntimeError):
    """The issuer has no active key, or it cannot be decrypted with this master key."""


@dataclass(frozen=True, slots=True)
class Rotation:
    issuer_id: str
    activated: str
    retired: str | None
    next: str


def _aad(kid: str) -> bytes:
    return f"bastion/signing-key/{kid}".encode()


class KeyService:
    def __init__(self, sealer: Sealer, *, retire_grace: timedelta) -> None:
        self.sealer = sealer
        self.retire_grace = retire_grace

    async def new_key(
        self, issuer_id: str, alg: SigningAlg, state: KeyState, now: datetime
    ) -> KeyRow:
        private = await asyncio.to_thread(generate_private_key, alg)
        kid = new_kid(alg)
        return KeyRow(
            kid=kid,
            issuer_id=issuer_id,
            alg=alg.value,
            state=state.value,
            public_jwk=public_jwk(private.public_key(), kid, alg),
            sealed_private_key=self.sealer.seal(private_key_to_der(private), _aad(kid)),
            activated_at=now if state is KeyState.ACTIVE else None,
            created_at=now,
        )

    async def add_initial_keys(self, session: AsyncSession, issuer: Issuer, now: datetime) -> None:
        alg = SigningAlg(issuer.signing_alg)
        session.add(await self.new_key(issuer.id, alg, KeyState.ACTIVE, now))
        session.add(await self.new_key(issuer.id, alg, KeyState.NEXT, now))

    async def rotate(self, session: AsyncSession, issuer: Issuer, now: datetime) -> Rotation:
        rows = await issuers.keys_of(session, issuer.id)
        active = [r for r in rows if r.state == KeyState.ACTIVE]
        upcoming = [r for r in rows if r.state == KeyState.NEXT]
        alg = SigningAlg(issuer.signing_alg)
        for row in active:
            row.state = KeyState.RETIRED.value
            row.retired_at = now
            row.publish_until = now + self.retire_grace
        if upcoming:
            promoted = upcoming[0]
            for extra in upcoming[1:]:
                await session.delete(extra)
        else:
            promoted = await self.new_key(issuer.id, alg, KeyState.NEXT, now)
            session.add(promoted)
        promoted.state = KeyState.ACTIVE.value
        promoted.activated_at = now
        following = await self.new_key(issuer.id, alg, KeyState.NEXT, now)
        session.add(following)
        await session.execute(
            delete(KeyRow).where(
                KeyRow.issuer_id == issuer.id,
                KeyRow.state == KeyState.RETIRED.value,
                KeyRow.publish_until < now,
            )
        )
        events.append_change(session, "keys", issuer.id)
        events.record_audit(
            session,
            action="keys.rotated",
            actor_type="system",
            workspace_id=issuer.workspace_id,
            app_id=issuer.app_id,
            resource=f"issuer/{issuer.id}",
            details={"activated": promoted.kid, "next": following.kid},
        )
        return Rotation(
            issuer_id=issuer.id,
            activated=promoted.kid,
            retired=active[0].kid if active else None,
            next=following.kid,
        )

    def build_keyset(self, rows: list[KeyRow], now: datetime) -> KeySet:
        active = [r for r in rows if r.state == KeyState.ACTIVE]
        if not active:
            raise KeySetUnavailable("issuer has no active signing key")
        current = max(active, key=lambda r: r.activated_at or r.created_at)
        alg = SigningAlg(current.alg)
        try:
            der = self.sealer.open(current.sealed_private_key, _aad(current.kid))
        except Exception as exc:
            raise KeySetUnavailable(
                "cannot decrypt the signing key: is BASTION_MASTER_KEY the key it was sealed with?"
            ) from exc
        signer = SigningKey(kid=current.kid, alg=alg, private_key=private_key_from_der(der, alg))
        published = [current] + [
            r
            for r in rows
            if r is not current
            and (
                r.state in (KeyState.NEXT, KeyState.ACTIVE)
                or (r.state == KeyState.RETIRED and r.publish_until and r.publish_until > now)
            )
        ]
        verification: dict[str, VerificationKey] = {}
        for row in published:
            public, row_alg = public_key_from_jwk(row.public_jwk)
            verification[row.kid] = VerificationKey(kid=row.kid, alg=row_alg, public_key=public)
        jwks = json_dumps({"keys": [row.public_jwk for row in published]})
        return KeySet(signing_key=signer, verification_keys=verification, jwks=jwks)
