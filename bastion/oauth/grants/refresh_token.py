"""The refresh token grant (RFC 6749 §6) with rotation and reuse detection
(OAuth 2.1 §4.3.1, RFC 9700 §4.14.2).

Refresh tokens are opaque and bound to the session they came from. Every use rotates: the
presented token is marked rotated and a new one of the same family is issued. A rotated token
presented again within the grace window (two tabs refreshing at once) gets a new token too;
after it, the presentation is treated as theft and the whole family is revoked, together with
the access tokens it issued.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bastion.domain.scopes import parse_scope
from bastion.oauth.end_user_tokens import REFUSED, Lineage, issue_end_user_tokens
from bastion.oauth.engine import EndpointRequest, Engine
from bastion.oauth.errors import InvalidGrant
from bastion.oauth.grant_models import Rotation, SignIn
from bastion.oauth.grants.sessions import require_live
from bastion.oauth.models import Client, IssuerContext, TokenResponse
from bastion.oauth.scope import grant_scope


async def handle(
    req: EndpointRequest, client: Client, ctx: IssuerContext, engine: Engine
) -> TokenResponse:
    store = engine.ports.refresh_tokens
    record = await store.find_refresh(engine.hasher.digest(req.params.require("refresh_token")))
    now = datetime.fromtimestamp(engine.clock(), UTC)
    if (
        record is None
        or record.issuer_id != ctx.id
        or record.client_id != client.client_id
        or record.revoked
        or record.expires_at <= now
    ):
        raise InvalidGrant(REFUSED)
    grace = timedelta(seconds=engine.ports.policy.refresh_reuse_grace)
    if record.rotated_at is not None and now - record.rotated_at > grace:
        await store.revoke_family(record.family_id)
        raise InvalidGrant(REFUSED)
    granted = parse_scope(record.scope)
    scope = grant_scope(req.params.get("scope"), granted, granted)
    if record.session_id is None:
        raise InvalidGrant(REFUSED)
    session = require_live(record.session, record.subject)
    return await issue_end_user_tokens(
        ctx,
        client,
        engine,
        sign_in=SignIn(
            subject=record.subject,
            session_id=session.id,
            auth_time=session.auth_time,
            amr=session.amr,
        ),
        scope=scope,
        nonce=None,
        lineage=Lineage(
            grant_id=record.grant_id,
            family_id=record.family_id,
            parent_id=record.id,
            expires_at=min(record.expires_at, session.expires_at),
            # Marked rotated in the transaction that saves its successor; without a grace
            # window, a request that loses the race to rotate it is a replay.
            rotation=Rotation(at=now, exclusive=grace.total_seconds() == 0),
        ),
    )
