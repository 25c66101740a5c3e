"""Token exchange (RFC 8693) for access-token subjects.

* With a resource indicator or audience, the result is a JWT access token for that audience.
* Without one, on an issuer configured with :class:`~bastion.oauth.models.OpaqueExchange`, a
  request carrying its trigger scope (or asking for its token type) gets an opaque session token.
* Otherwise a JWT for the issuer's default audience.

The new token keeps the subject and the subject's ``client_id``; when another client of the same
app performs the exchange, it is named in the ``act`` claim (RFC 8693 §4.1).
A ``resource`` naming a device user code approves that device instead (device_approval.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bastion.crypto.secrets import new_opaque_token
from bastion.domain.scopes import parse_scope
from bastion.oauth import token_types
from bastion.oauth.access_token import issue_access_token
from bastion.oauth.audience import allowed_audiences, check_audiences, requested_audiences
from bastion.oauth.engine import EndpointRequest, Engine
from bastion.oauth.errors import InvalidRequest
from bastion.oauth.grants.device_approval import approve_device, device_user_code
from bastion.oauth.models import (
    Client,
    IssuerContext,
    OpaqueExchange,
    OpaqueTokenRecord,
    TokenResponse,
)
from bastion.oauth.scope import grant_scope
from bastion.oauth.subject_token import validate_subject_token

CARRIED_CLAIMS = ("external_user_id",)


async def handle(
    req: EndpointRequest, client: Client, ctx: IssuerContext, engine: Engine
) -> TokenResponse:
    params = req.params
    subject_token = params.require("subject_token")
    if params.require("subject_token_type") != token_types.ACCESS_TOKEN:
        raise InvalidRequest("subject_token_type must be " + token_types.ACCESS_TOKEN)
    if "actor_token" in params:
        raise InvalidRequest("actor_token is not supported")
    opaque = ctx.opaque_exchange
    wanted_type = params.get("requested_token_type")
    if wanted_type not in (None, token_types.ACCESS_TOKEN) and not (
        opaque and wanted_type == opaque.token_type
    ):
        raise InvalidRequest("unsupported requested_token_type")

    user_code = device_user_code(req, ctx)
    claims, owner = await validate_subject_token(subject_token, ctx, client, engine)
    if user_code is not None:
        return await approve_device(user_code, claims, owner, client, ctx, engine)
    subject_scopes = parse_scope(
        claims.get("scope") if isinstance(claims.get("scope"), str) else None
    )
    scope = grant_scope(params.get("scope"), subject_scopes, subject_scopes)
    requested = requested_audiences(params)

    if (
        not requested
        and opaque is not None
        and (wanted_type == opaque.token_type or opaque.trigger_scope in scope.split(" "))
    ):
        return await _issue_opaque(opaque, ctx, client, claims, scope, engine)

    audiences = check_audiences(
        requested or [ctx.default_audience], allowed_audiences(ctx, client, owner)
    )
    extra: dict[str, Any] = {k: claims[k] for k in CARRIED_CLAIMS if k in claims}
    if client.client_id != owner.client_id:
        extra["act"] = {"sub": client.client_id}
    issued = issue_access_token(
        ctx,
        engine.jti_tags,
        subject=str(claims["sub"]),
        client_id=owner.client_id,
        scope=scope,
        audiences=audiences,
        now=engine.clock(),
        extra_claims=extra,
    )
    return TokenResponse(
        access_token=issued.token,
        expires_in=issued.expires_in,
        scope=scope,
        issued_token_type=token_types.ACCESS_TOKEN,
    )


async def _issue_opaque(
    opaque: OpaqueExchange,
    ctx: IssuerContext,
    client: Client,
    claims: dict[str, Any],
    scope: str,
    engine: Engine,
) -> TokenResponse:
    token = new_opaque_token(opaque.prefix)
    carried = {k: claims[k] for k in CARRIED_CLAIMS if k in claims}
    carried["act"] = {"sub": client.client_id}
    record = OpaqueTokenRecord(
        kind=opaque.kind,
        issuer_id=ctx.id,
        realm=client.realm,
        tenant=client.tenant,
        client_id=str(claims["client_id"]),
        subject=str(claims["sub"]),
        scope=scope,
        audiences=(),
        expires_at=datetime.fromtimestamp(engine.clock(), UTC) + timedelta(seconds=opaque.ttl),
        claims=carried,
    )
    await engine.tokens.save_opaque(engine.hasher.digest(token), record)
    return TokenResponse(
        access_token=token, expires_in=opaque.ttl, scope=scope, issued_token_type=opaque.token_type
    )
