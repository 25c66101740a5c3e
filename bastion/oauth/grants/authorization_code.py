"""The authorization code grant at the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.5 and §4.6).

Checks, in order: the code exists and is this issuer's, was issued to this client, has not
expired, ``redirect_uri`` is the one it was issued for, the PKCE verifier matches, the session
it was issued under is still live. Then it is consumed atomically. A code presented a second
time is a replay (RFC 6749 §4.1.2, RFC 9700 §4.2.4): every token it bought is revoked.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bastion.oauth import pkce
from bastion.oauth.access_token import mint_access_jti
from bastion.oauth.end_user_tokens import Lineage, issue_end_user_tokens
from bastion.oauth.engine import EndpointRequest, Engine
from bastion.oauth.errors import InvalidGrant
from bastion.oauth.grants.sessions import check_live_session
from bastion.oauth.models import Client, IssuerContext, TokenResponse

REFUSED = "the authorization code is invalid, expired or already used"


async def handle(
    req: EndpointRequest, client: Client, ctx: IssuerContext, engine: Engine
) -> TokenResponse:
    codes = engine.ports.codes
    code = req.params.require("code")
    redirect_uri = req.params.require("redirect_uri")
    digest = engine.hasher.digest(code)
    record = await codes.find_code(digest)
    if record is None or record.issuer_id != ctx.id or record.client_id != client.client_id:
        raise InvalidGrant(REFUSED)
    if record.consumed:
        await codes.revoke_grant(record.grant_id)
        raise InvalidGrant(REFUSED)
    now = engine.clock()
    if record.expires_at <= datetime.fromtimestamp(now, UTC):
        raise InvalidGrant(REFUSED)
    if redirect_uri != record.redirect_uri:
        raise InvalidGrant("redirect_uri does not match the authorization request")
    pkce.check_verifier(record.code_challenge, req.params.get("code_verifier"))
    session = await check_live_session(engine, record.sign_in.session_id, record.sign_in.subject)
    access_jti = mint_access_jti(ctx, engine.jti_tags, client_id=client.client_id, now=now)
    if not await codes.consume_code(digest, access_jti):
        await codes.revoke_grant(record.grant_id)
        raise InvalidGrant(REFUSED)
    return await issue_end_user_tokens(
        ctx,
        client,
        engine,
        sign_in=record.sign_in,
        scope=record.scope,
        nonce=record.nonce,
        lineage=Lineage(
            grant_id=record.grant_id, expires_at=session.expires_at if session else None
        ),
        access_jti=access_jti,
        now=now,
    )
