"""The device authorization endpoint (RFC 8628 §3.1, §3.2).

The client (usually public, sending only ``client_id``) gets a device code to poll with and a
user code for the person, who types it at ``verification_uri`` (at the origin root, per the
builder contract) or follows ``verification_uri_complete``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from bastion.crypto.secrets import new_opaque_token
from bastion.domain.credentials import PREFIXES, CredentialKind
from bastion.domain.ids import new_id
from bastion.domain.user_codes import display_user_code, new_user_code
from bastion.oauth import token_types
from bastion.oauth.client_auth import authenticate_client
from bastion.oauth.engine import EndpointRequest, Engine
from bastion.oauth.errors import ServerError, UnauthorizedClient
from bastion.oauth.grant_models import DeviceCodeRecord
from bastion.oauth.models import IssuerContext
from bastion.oauth.scope import grant_scope

ATTEMPTS = 5


async def device_authorization_endpoint(
    req: EndpointRequest, ctx: IssuerContext, engine: Engine
) -> dict[str, Any]:
    client = await authenticate_client(
        req.credentials, ctx, engine.client_auth, remote_addr=req.remote_addr, allow_public=True
    )
    grant = token_types.GRANT_DEVICE_CODE
    if grant not in client.grant_types or grant not in ctx.grant_types:
        raise UnauthorizedClient("this client may not use the device authorization grant")
    if ctx.device_verification_uri is None:
        raise ServerError("device verification page is not configured")
    scope = grant_scope(req.params.get("scope"), client.scopes, client.default_scopes)
    policy = engine.ports.policy
    expires = datetime.fromtimestamp(engine.clock(), UTC) + timedelta(
        seconds=policy.device_code_ttl
    )
    for _ in range(ATTEMPTS):
        device_code = new_opaque_token(PREFIXES[CredentialKind.DEVICE_CODE])
        user_code = new_user_code()
        record = DeviceCodeRecord(
            id=new_id(),
            issuer_id=ctx.id,
            realm=client.realm,
            tenant=client.tenant,
            client_id=client.client_id,
            user_code=user_code,
            scope=scope,
            status="pending",
            interval=policy.device_poll_interval,
            expires_at=expires,
        )
        if await engine.ports.device_codes.save_device_code(
            engine.hasher.digest(device_code), record
        ):
            break
    else:
        raise ServerError("could not allocate a user code")
    shown = display_user_code(user_code)
    complete = urlencode({"user_code": shown, "client_id": client.client_id})
    return {
        "device_code": device_code,
        "user_code": shown,
        "verification_uri": ctx.device_verification_uri,
        "verification_uri_complete": f"{ctx.device_verification_uri}?{complete}",
        "expires_in": policy.device_code_ttl,
        "interval": policy.device_poll_interval,
    }
