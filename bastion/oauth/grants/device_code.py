"""The device authorization grant at the token endpoint (RFC 8628 §3.4, §3.5).

While the person has not decided: ``authorization_pending``; polling faster than the interval:
``slow_down`` (and the interval grows by 5 seconds, as §3.5 tells the client to do); after
expiry: ``expired_token``; after a refusal: ``access_denied``. An approved code is consumed
atomically, so two polls cannot both get tokens.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bastion.oauth.end_user_tokens import Lineage, issue_end_user_tokens
from bastion.oauth.engine import EndpointRequest, Engine
from bastion.oauth.errors import (
    AccessDenied,
    AuthorizationPending,
    ExpiredToken,
    InvalidGrant,
    SlowDown,
)
from bastion.oauth.grant_models import SignIn
from bastion.oauth.grants.sessions import check_live_session
from bastion.oauth.models import Client, IssuerContext, TokenResponse

SLOW_DOWN_STEP = 5


async def handle(
    req: EndpointRequest, client: Client, ctx: IssuerContext, engine: Engine
) -> TokenResponse:
    store = engine.ports.device_codes
    record = await store.find_device_code(engine.hasher.digest(req.params.require("device_code")))
    now = datetime.fromtimestamp(engine.clock(), UTC)
    if (
        record is None
        or record.issuer_id != ctx.id
        or record.client_id != client.client_id
        or record.consumed
    ):
        raise InvalidGrant("the device code is invalid or already used")
    if record.expires_at <= now:
        raise ExpiredToken("the device code has expired; start again")
    if record.status == "denied":
        raise AccessDenied("the request was denied")
    if record.status != "approved" or record.subject is None:
        too_soon = record.last_polled_at is not None and now - record.last_polled_at < timedelta(
            seconds=record.interval
        )
        interval = record.interval + SLOW_DOWN_STEP if too_soon else record.interval
        await store.record_poll(record.id, now, interval)
        if too_soon:
            raise SlowDown(f"poll at most every {interval} seconds")
        raise AuthorizationPending("waiting for the user to approve")
    session = await check_live_session(engine, record.session_id, record.subject)
    if not await store.consume_device_code(record.id):
        raise InvalidGrant("the device code is invalid or already used")
    sign_in = SignIn(
        subject=record.subject,
        session_id=session.id if session else None,
        auth_time=session.auth_time if session else now,
        amr=session.amr if session else (),
    )
    return await issue_end_user_tokens(
        ctx,
        client,
        engine,
        sign_in=sign_in,
        scope=record.scope,
        nonce=None,
        lineage=Lineage(grant_id=record.id, expires_at=session.expires_at if session else None),
    )
