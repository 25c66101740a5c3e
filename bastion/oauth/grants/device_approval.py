"""Approving a device code by token exchange (RFC 8693 §2.1 with an RFC 8628 user code).

The builder contract (pymthouse-wire.md §2.2.2) lets a trusted backend approve a pending
device code for a user it has already signed in: it exchanges that user's access token with
``resource=<prefix><user code>``. The calling client must be allowed the ``device:approve``
scope and belong to the device code's app. The answer is a normal RFC 8693 response (an
access token for the same subject), because the client library insists on one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bastion.domain.scopes import parse_scope
from bastion.domain.user_codes import normalise_user_code
from bastion.oauth import token_types
from bastion.oauth.access_token import issue_access_token
from bastion.oauth.engine import EndpointRequest, Engine
from bastion.oauth.errors import InvalidGrant, InvalidRequest, InvalidTarget, UnauthorizedClient
from bastion.oauth.grant_models import SignIn
from bastion.oauth.models import Client, IssuerContext, TokenResponse

APPROVE_SCOPE = "device:approve"


def device_user_code(req: EndpointRequest, ctx: IssuerContext) -> str | None:
    """The user code named by a ``resource`` of the device-approval form, if any."""
    prefix = ctx.device_approval_resource_prefix
    if prefix is None:
        return None
    found = [r for r in req.params.get_all("resource") if r.startswith(prefix)]
    if not found:
        return None
    if len(req.params.get_all("resource")) != 1:
        raise InvalidTarget("a device approval names exactly one resource")
    code = normalise_user_code(found[0][len(prefix) :])
    if not code:
        raise InvalidRequest("the device code resource names no user code")
    return code


async def approve_device(
    user_code: str,
    claims: dict[str, Any],
    owner: Client,
    client: Client,
    ctx: IssuerContext,
    engine: Engine,
) -> TokenResponse:
    if APPROVE_SCOPE not in client.scopes:
        raise UnauthorizedClient(f"approving devices needs the {APPROVE_SCOPE} scope")
    now = engine.clock()
    sign_in = SignIn(
        subject=str(claims["sub"]),
        session_id=None,
        auth_time=datetime.fromtimestamp(int(claims.get("iat", now)), UTC),
        amr=(),
    )
    approved = await engine.ports.device_codes.approve_user_code(
        user_code, client.realm, sign_in, datetime.fromtimestamp(now, UTC)
    )
    if not approved:
        raise InvalidGrant("no pending device authorization has that user code")
    scope_value = claims.get("scope")
    scopes = parse_scope(scope_value if isinstance(scope_value, str) else None)
    issued = issue_access_token(
        ctx,
        engine.jti_tags,
        subject=sign_in.subject,
        client_id=owner.client_id,
        scope=" ".join(scopes),
        audiences=[ctx.default_audience],
        now=now,
    )
    return TokenResponse(
        access_token=issued.token,
        expires_in=issued.expires_in,
        scope=" ".join(scopes),
        issued_token_type=token_types.ACCESS_TOKEN,
    )
