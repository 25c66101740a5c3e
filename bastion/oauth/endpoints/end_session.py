"""RP-Initiated Logout (OpenID Connect RP-Initiated Logout 1.0 §2, §3).

``post_logout_redirect_uri`` is honoured only when it exactly matches one registered for the
client, which is named by ``client_id`` or by the audience of ``id_token_hint``; otherwise the
person stays on Bastion's own signed-out page (no open redirect). An ``id_token_hint`` must be
an ID token this issuer signed (expired ones are fine: that is the normal case).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bastion.crypto.jwt import JwtError, verify_jwt
from bastion.oauth.endpoints.authorize import redirect_with
from bastion.oauth.engine import Engine
from bastion.oauth.errors import InvalidRequest
from bastion.oauth.id_token import ID_TOKEN_TYP
from bastion.oauth.models import Client, IssuerContext
from bastion.oauth.params import Params

HINT_LEEWAY = 10 * 365 * 86400


@dataclass(frozen=True, slots=True)
class LogoutRequest:
    client: Client | None
    redirect_to: str | None  # post_logout_redirect_uri with state, when allowed
    hint_subject: str | None
    hint_session: str | None


async def validate_logout_request(
    params: Params, ctx: IssuerContext, engine: Engine
) -> LogoutRequest:
    hint = _id_token_hint(params.get("id_token_hint"), ctx, engine)
    client_id = params.get("client_id")
    hinted_client = hint.get("aud") if hint else None
    if isinstance(hinted_client, list):
        hinted_client = hinted_client[0] if len(hinted_client) == 1 else None
    if client_id and hinted_client and client_id != hinted_client:
        raise InvalidRequest("client_id does not match the id_token_hint")
    client_id = client_id or (hinted_client if isinstance(hinted_client, str) else None)
    client = await engine.clients.get_client(client_id) if client_id else None
    if client is not None and not ctx.accepts(client):
        client = None
    redirect_to = None
    wanted = params.get("post_logout_redirect_uri")
    if wanted is not None:
        if client is None or wanted not in client.post_logout_redirect_uris:
            raise InvalidRequest("post_logout_redirect_uri is not registered for this client")
        redirect_to = redirect_with(wanted, {"state": params.get("state")})
    return LogoutRequest(
        client=client,
        redirect_to=redirect_to,
        hint_subject=str(hint["sub"]) if hint else None,
        hint_session=str(hint["sid"]) if hint and isinstance(hint.get("sid"), str) else None,
    )


def _id_token_hint(token: str | None, ctx: IssuerContext, engine: Engine) -> dict[str, Any] | None:
    if token is None:
        return None
    try:
        return verify_jwt(
            token,
            ctx.keys.verification_keys,
            issuer=ctx.url,
            typ=ID_TOKEN_TYP,
            leeway=HINT_LEEWAY,
            now=engine.clock(),
            required_claims=("iss", "sub", "aud"),
        )
    except JwtError:
        raise InvalidRequest("id_token_hint is not an ID token issued here") from None
