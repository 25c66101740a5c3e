"""The authorization endpoint (RFC 6749 §3.1, §4.1.1; OIDC Core §3.1.2.1; RFC 9207).

The checks run in this order, because it decides where an error may go:

1. ``load_client`` and ``check_redirect_uri``: until the client and its exact redirect URI are
   known good, errors are shown to the person, never sent anywhere (RFC 6749 §4.1.2.1,
   RFC 9700 §4.1: no open redirector).
2. Everything after that is returned to the redirect URI with ``state`` and ``iss``.

Only ``response_type=code`` with ``response_mode=query`` exists. PKCE with S256 is required
for public clients and for confidential ones unless they were registered without it.
The result is a validated :class:`AuthorizationRequest`; who signs in and consents is the
product's business, and :func:`issue_code` turns an approved request into the redirect.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn
from urllib.parse import urlencode, urlsplit, urlunsplit

from bastion.crypto.secrets import new_opaque_token
from bastion.domain.credentials import PREFIXES, CredentialKind
from bastion.domain.ids import new_id
from bastion.oauth import pkce, token_types
from bastion.oauth.engine import Engine
from bastion.oauth.errors import (
    AuthorizationRedirect,
    InvalidRequest,
    OAuthError,
    RequestNotSupported,
    RequestUriNotSupported,
    UnauthorizedClient,
    UnsupportedResponseType,
)
from bastion.oauth.grant_models import AuthorizationCodeRecord, SignIn
from bastion.oauth.models import Client, IssuerContext
from bastion.oauth.params import Params
from bastion.oauth.scope import grant_scope

PROMPTS = frozenset({"none", "login", "consent"})
MAX_STATE = 2048


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    scope: str
    state: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    prompt: tuple[str, ...] = ()
    max_age: int | None = None
    login_hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuthorizationRequest:
        return cls(**{**data, "prompt": tuple(data.get("prompt") or ())})


async def validate_authorization_request(
    params: Params, ctx: IssuerContext, engine: Engine
) -> tuple[AuthorizationRequest, Client]:
    client = await load_client(params, ctx, engine)
    redirect_uri = check_redirect_uri(params, client)
    state = params.get("state")
    if state is not None and len(state) > MAX_STATE:
        fail(InvalidRequest("state is too long"), redirect_uri, None)
    try:
        request = _validate_rest(params, client, redirect_uri, ctx)
    except OAuthError as exc:
        fail(exc, redirect_uri, state)
    return request, client


def fail(error: OAuthError, redirect_uri: str, state: str | None) -> NoReturn:
    raise AuthorizationRedirect(error, redirect_uri, state)


async def load_client(params: Params, ctx: IssuerContext, engine: Engine) -> Client:
    client_id = params.get("client_id")
    if client_id is None:
        raise InvalidRequest("client_id is missing")
    client = await engine.clients.get_client(client_id)
    if client is None or not client.active or not ctx.accepts(client):
        raise InvalidRequest("unknown client")
    return client


def check_redirect_uri(params: Params, client: Client) -> str:
    """Exact string match against registration (RFC 9700 §2.1; OAuth 2.1 §4.1.3)."""
    redirect_uri = params.get("redirect_uri")
    if redirect_uri is None:
        raise InvalidRequest("redirect_uri is missing")
    if redirect_uri not in client.redirect_uris:
        raise InvalidRequest("redirect_uri is not registered for this client")
    return redirect_uri


def _validate_rest(
    params: Params, client: Client, redirect_uri: str, ctx: IssuerContext
) -> AuthorizationRequest:
    if "request" in params:
        raise RequestNotSupported("request objects are not supported")
    if "request_uri" in params:
        raise RequestUriNotSupported("request_uri is not supported")
    if params.get("response_type") != "code":
        raise UnsupportedResponseType("only response_type=code is supported")
    if params.get("response_mode") not in (None, "query"):
        raise InvalidRequest("only response_mode=query is supported")
    if (
        token_types.GRANT_AUTHORIZATION_CODE not in client.grant_types
        or token_types.GRANT_AUTHORIZATION_CODE not in ctx.grant_types
    ):
        raise UnauthorizedClient("this client may not use the authorization code grant")
    scope = grant_scope(params.get("scope"), client.scopes, client.default_scopes)
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    pkce.check_challenge(challenge, method, required=not client.confidential or client.require_pkce)
    return AuthorizationRequest(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        scope=scope,
        state=params.get("state"),
        nonce=params.get("nonce"),
        code_challenge=challenge,
        code_challenge_method=pkce.S256 if challenge else None,
        prompt=_prompt(params.get("prompt")),
        max_age=_max_age(params.get("max_age")),
        login_hint=(params.get("login_hint") or "")[:320] or None,
    )


def _prompt(value: str | None) -> tuple[str, ...]:
    prompts = tuple(dict.fromkeys((value or "").split()))
    if any(p not in PROMPTS for p in prompts):
        raise InvalidRequest("prompt may be none, login or consent")
    if "none" in prompts and len(prompts) > 1:
        raise InvalidRequest("prompt=none cannot be combined with other values")
    return prompts


def _max_age(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or len(value) > 9:
        raise InvalidRequest("max_age must be a non-negative integer")
    return int(value)


def redirect_with(redirect_uri: str, params: dict[str, str | None]) -> str:
    """The redirect URI with response parameters added to its query (RFC 6749 §4.1.2)."""
    parts = urlsplit(redirect_uri)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def error_redirect(ctx: IssuerContext, redirect: AuthorizationRedirect) -> str:
    return redirect_with(
        redirect.redirect_uri,
        {
            "error": redirect.error.error,
            "error_description": redirect.error.description,
            "state": redirect.state,
            "iss": ctx.url,
        },
    )


async def issue_code(
    request: AuthorizationRequest,
    client: Client,
    sign_in: SignIn,
    ctx: IssuerContext,
    engine: Engine,
) -> str:
    """Store a new single-use code for an approved request; return the client redirect."""
    code = new_opaque_token(PREFIXES[CredentialKind.AUTHORIZATION_CODE])
    expires = datetime.fromtimestamp(engine.clock(), UTC) + timedelta(
        seconds=engine.ports.policy.authorization_code_ttl
    )
    record = AuthorizationCodeRecord(
        issuer_id=ctx.id,
        realm=client.realm,
        tenant=client.tenant,
        client_id=client.client_id,
        redirect_uri=request.redirect_uri,
        scope=request.scope,
        nonce=request.nonce,
        code_challenge=request.code_challenge,
        code_challenge_method=request.code_challenge_method,
        sign_in=sign_in,
        grant_id=new_id(),
        expires_at=expires,
    )
    await engine.ports.codes.save_code(engine.hasher.digest(code), record)
    return redirect_with(
        request.redirect_uri, {"code": code, "state": request.state, "iss": ctx.url}
    )
