"""Housekeeping removes expired deny-list entries, opaque tokens and old change events only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from bastion.crypto.envelope import MasterKey
from bastion.crypto.keys import SigningAlg
from bastion.oauth.models import OpaqueTokenRecord
from bastion.services.housekeeping import Housekeeping
from bastion.services.keys import KeyService
from bastion.services.tenancy import create_app, ensure_workspace
from bastion.settings import Settings
from bastion.store import migrate
from bastion.store.db import Database
from bastion.store.repositories.issuers import issuer_of_app
from bastion.store.repositories.tokens import SqlTokenStore
from bastion.store.schema import ChangeEvent, OpaqueToken, RevokedJwt
from bastion.store.types import utcnow


async def test_prunes_only_what_has_expired(new_database_url: Callable[[], str]) -> None:
    url = Settings(database_url=new_database_url()).effective_database_url
    await migrate.upgrade_async(url)
    db = Database(url)
    tokens = SqlTokenStore(db)
    keys = KeyService(MasterKey.generate().sealer("k"), retire_grace=timedelta(hours=1))
    try:
        async with db.write() as session:
            ws = await ensure_workspace(session, "house", "H")
            app = await create_app(
                session, keys, ws, slug="house-app", name="H", signing_alg=SigningAlg.ES256
            )
            issuer = await issuer_of_app(session, app.id)
            assert issuer is not None
            old = utcnow() - timedelta(hours=2)
            session.add(ChangeEvent(topic="client", ref="x", created_at=old))
            session.add(ChangeEvent(topic="client", ref="y"))
        now = utcnow()
        for jti, delta in (("gone", -10), ("kept", 3600)):
            await tokens.revoke_jwt(
                jti, issuer_id=issuer.id, tenant=ws.id, expires_at=now + timedelta(seconds=delta)
            )
        for digest, delta in ((b"g" * 32, -10), (b"k" * 32, 3600)):
            await tokens.save_opaque(
                digest,
                OpaqueTokenRecord(
                    kind="signer_session",
                    issuer_id=issuer.id,
                    realm=app.id,
                    tenant=ws.id,
                    client_id="c",
                    subject="s",
                    scope="",
                    audiences=(),
                    expires_at=now + timedelta(seconds=delta),
                ),
            )
        await Housekeeping(db, tokens).run_once()
        assert not await tokens.is_jwt_revoked("gone")
        assert await tokens.is_jwt_revoked("kept")
        assert await tokens.find_opaque(b"g" * 32) is None
        assert await tokens.find_opaque(b"k" * 32) is not None
        async with db.read() as session:
            refs = (
                await session.scalars(select(ChangeEvent.ref).where(ChangeEvent.topic == "client"))
            ).all()
            assert list(refs) == ["y"]  # (the app's own recent "keys" event stays too)
            assert await session.scalar(select(func.count()).select_from(RevokedJwt)) == 1
            assert await session.scalar(select(func.count()).select_from(OpaqueToken)) == 1
    finally:
        await db.dispose()
