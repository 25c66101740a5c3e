"""Tokens for an end user's grant, shared by the authorization code (RFC 6749 §4.1.4), refresh
(§6) and device code (RFC 8628 §3.5) grants: an RFC 9068 access token carrying ``sid``, an
opaque refresh token bound to the session (when the client may refresh), and an ID token when
``openid`` was granted (OIDC Core §3.1.3.3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bastion.crypto.secrets import new_opaque_token
from bastion.domain.credentials import PREFIXES, CredentialKind
from bastion.domain.ids import new_id
from bastion.oauth import token_types
from bastion.oauth.access_token import issue_access_token, mint_access_jti
from bastion.oauth.engine import Engine
from bastion.oauth.errors import InvalidGrant
from bastion.oauth.grant_models import RefreshTokenRecord, Rotation, SignIn
from bastion.oauth.id_token import issue_id_token
from bastion.oauth.models import Client, IssuerContext, TokenResponse

REFRESH_PREFIX = PREFIXES[CredentialKind.REFRESH_TOKEN]
REFUSED = "the refresh token is invalid, expired or revoked"


@dataclass(frozen=True, slots=True)
class Lineage:
    """Where a refresh token sits: its grant, its family and its parent (after rotation)."""

    grant_id: str | None
    family_id: str | None = None
    parent_id: str | None = None
    expires_at: datetime | None = None
    rotation: Rotation | None = None


async def issue_end_user_tokens(
    ctx: IssuerContext,
    client: Client,
    engine: Engine,
    *,
    sign_in: SignIn,
    scope: str,
    nonce: str | None,
    lineage: Lineage,
    access_jti: str | None = None,
    now: float | None = None,
) -> TokenResponse:
    """``access_jti``, when given, was minted with :func:`mint_access_jti` at ``now``."""
    now = engine.clock() if now is None else now
    jti = access_jti or mint_access_jti(ctx, engine.jti_tags, client_id=client.client_id, now=now)
    refresh = None
    if sign_in.session_id is not None and token_types.GRANT_REFRESH_TOKEN in client.grant_types:
        # Saved (and the parent rotated) before anything is signed: a lost rotation signs nothing.
        refresh = await _new_refresh_token(ctx, client, engine, sign_in, scope, lineage, jti)
    extra = {"sid": sign_in.session_id} if sign_in.session_id else {}
    access = issue_access_token(
        ctx,
        engine.jti_tags,
        subject=sign_in.subject,
        client_id=client.client_id,
        scope=scope,
        audiences=[ctx.default_audience],
        now=now,
        extra_claims=extra,
        jti=jti,
    )
    id_token = None
    if "openid" in scope.split(" "):
        id_token = issue_id_token(
            ctx,
            client_id=client.client_id,
            sign_in=sign_in,
            nonce=nonce,
            access_token=access.token,
            now=now,
        )
    return TokenResponse(
        access_token=access.token,
        expires_in=access.expires_in,
        scope=scope,
        refresh_token=refresh,
        id_token=id_token,
    )


async def _new_refresh_token(
    ctx: IssuerContext,
    client: Client,
    engine: Engine,
    sign_in: SignIn,
    scope: str,
    lineage: Lineage,
    access_jti: str,
) -> str:
    ports = engine.ports
    now = datetime.fromtimestamp(engine.clock(), UTC)
    longest = now + timedelta(seconds=ports.policy.refresh_token_ttl)
    expires_at = min(lineage.expires_at, longest) if lineage.expires_at else longest
    token = new_opaque_token(REFRESH_PREFIX)
    token_id = new_id()
    record = RefreshTokenRecord(
        id=token_id,
        issuer_id=ctx.id,
        realm=client.realm,
        tenant=client.tenant,
        client_id=client.client_id,
        subject=sign_in.subject,
        scope=scope,
        session_id=sign_in.session_id,
        family_id=lineage.family_id or token_id,
        grant_id=lineage.grant_id,
        parent_id=lineage.parent_id,
        expires_at=expires_at,
        access_jti=access_jti,
    )
    store = ports.refresh_tokens
    if not await store.save_refresh(engine.hasher.digest(token), record, lineage.rotation):
        # Another request rotated the parent first and no grace is allowed: a replay.
        await store.revoke_family(record.family_id)
        raise InvalidGrant(REFUSED)
    return token
