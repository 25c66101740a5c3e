"""After real sign-ins, nothing the server handed out as a credential is in its database:
authorization codes, refresh tokens, device codes, session cookies and mailed one-time codes
are kept only as keyed hashes (or sealed, for the outbox)."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from bastion.settings import Settings
from bastion.store.schema import Base
from tests.integration.flows import CodeFlow, obtain_code
from tests.support.live import LiveServer


async def database_text(url: str) -> str:
    engine = create_async_engine(Settings(database_url=url).effective_database_url)
    try:
        async with engine.connect() as conn:
            parts = []
            for table in Base.metadata.sorted_tables:
                for row in await conn.execute(select(table)):
                    parts.append(repr(tuple(row)))
            return "\n".join(parts)
    finally:
        await engine.dispose()


def test_credentials_are_not_stored_in_the_clear(live_server: LiveServer) -> None:
    flow, callback, person = obtain_code(live_server)
    tokens = flow.redeem(callback["code"]).json()
    device = httpx.post(
        f"{live_server.issuer}/device/auth", data={"client_id": CodeFlow(live_server).client_id}
    ).json()
    cookies = [c.value for c in person.http.cookies.jar if c.value]
    secrets = [callback["code"], tokens["refresh_token"], device["device_code"], *cookies]
    dump = asyncio.run(database_text(live_server.env["BASTION_DATABASE_URL"]))
    assert flow.client_id in dump and len(cookies) >= 2  # the dump is real
    assert tokens["access_token"].split(".")[1] not in dump
    for secret in secrets:
        assert secret not in dump
