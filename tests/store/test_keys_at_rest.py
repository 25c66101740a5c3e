"""Private signing keys are stored sealed, and only the master key that sealed them opens them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.serialization import load_der_private_key

from bastion.crypto.envelope import MasterKey
from bastion.crypto.keys import SigningAlg
from bastion.services.keys import KeyService, KeySetUnavailable
from bastion.services.tenancy import create_app, ensure_workspace
from bastion.settings import Settings
from bastion.store import migrate
from bastion.store.db import Database
from bastion.store.repositories.issuers import issuer_of_app, keys_of
from bastion.store.types import utcnow


async def test_keys_are_sealed_and_bound_to_the_master_key(
    new_database_url: Callable[[], str],
) -> None:
    url = Settings(database_url=new_database_url()).effective_database_url
    await migrate.upgrade_async(url)
    db = Database(url)
    grace = timedelta(hours=1)
    right = KeyService(MasterKey.generate().sealer("signing-keys"), retire_grace=grace)
    wrong = KeyService(MasterKey.generate().sealer("signing-keys"), retire_grace=grace)
    try:
        async with db.write() as session:
            ws = await ensure_workspace(session, "sealed", "S")
            app = await create_app(
                session, right, ws, slug="sealed-app", name="S", signing_alg=SigningAlg.RS256
            )
            issuer = await issuer_of_app(session, app.id)
            assert issuer is not None
            rows = await keys_of(session, issuer.id)
        assert {r.state for r in rows} == {"active", "next"}
        for row in rows:
            assert row.sealed_private_key[:1] == b"\x01"  # envelope version byte, not DER
            with pytest.raises(ValueError):
                load_der_private_key(row.sealed_private_key, password=None)
            assert "d" not in row.public_jwk
        keyset = right.build_keyset(rows, utcnow())
        assert keyset.signing_key.kid in keyset.verification_keys
        with pytest.raises(KeySetUnavailable, match="BASTION_MASTER_KEY"):
            wrong.build_keyset(rows, utcnow())
        # Swapping two keys' ciphertexts is detected too (the kid is bound as associated data).
        rows[0].sealed_private_key, rows[1].sealed_private_key = (
            rows[1].sealed_private_key,
            rows[0].sealed_private_key,
        )
        with pytest.raises(KeySetUnavailable):
            right.build_keyset(rows, utcnow())
    finally:
        await db.dispose()
