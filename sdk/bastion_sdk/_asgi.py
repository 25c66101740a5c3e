"""Bearer-token checking for any ASGI application, with no framework dependency.

`BearerAuthMiddleware` verifies the `Authorization: Bearer` token of every HTTP and
WebSocket request and puts the claims in `scope["state"]["access_token_claims"]`
(Starlette and FastAPI expose it as `request.state.access_token_claims`).

Answers follow RFC 6750 §3: 401 with a `WWW-Authenticate: Bearer` challenge for a
missing or invalid token, 403 `insufficient_scope` for a missing scope, and 503 with
`Retry-After` when the keys cannot be fetched, because then nobody knows whether the
token is valid, and a 401 would tell a well-behaved client to throw a good token away.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import BastionError, InsufficientScope, JWKSFetchError, TokenVerificationError
from ._models import AccessTokenClaims
from ._verify import AsyncTokenVerifier

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CLAIMS_KEY = "access_token_claims"
JWKS_RETRY_AFTER = 5


def parse_bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` value (scheme case-insensitive)."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', "'") + '"'


@dataclass(frozen=True, slots=True)
class Rejection:
    """How to refuse a request: status, headers and an RFC 6749-style JSON body."""

    status: int
    error: str
    description: str
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> bytes:
        return json.dumps({"error": self.error, "error_description": self.description}).encode()


def rejection_for(exc: BastionError | None, *, realm: str | None = None) -> Rejection:
    """The RFC 6750 answer to a failed verification (`None`: no token at all)."""
    params = [f"realm={_quoted(realm)}"] if realm else []
    if exc is None:
        challenge = "Bearer" + (" " + ", ".join(params) if params else "")
        return Rejection(
            401,
            "invalid_request",
            "send the access token as 'Authorization: Bearer <token>'",
            {"www-authenticate": challenge},
        )
    if isinstance(exc, InsufficientScope):
        params += [
            'error="insufficient_scope"',
            f"scope={_quoted(' '.join(sorted(exc.required)))}",
        ]
        return Rejection(
            403, "insufficient_scope", str(exc), {"www-authenticate": "Bearer " + ", ".join(params)}
        )
    if isinstance(exc, JWKSFetchError):
        return Rejection(
            503,
            "temporarily_unavailable",
            "the token cannot be checked right now; retry",
            {"retry-after": str(JWKS_RETRY_AFTER)},
        )
    description = str(exc) if isinstance(exc, TokenVerificationError) else "invalid token"
    params += ['error="invalid_token"', f"error_description={_quoted(description)}"]
    return Rejection(
        401, "invalid_token", description, {"www-authenticate": "Bearer " + ", ".join(params)}
    )


async def check_bearer(
    verifier: AsyncTokenVerifier,
    authorization: str | None,
    scopes: Iterable[str] | None,
    *,
    realm: str | None = None,
) -> AccessTokenClaims | Rejection:
    """Verify the bearer token in `authorization`; a Rejection says how to refuse."""
    token = parse_bearer(authorization)
    if token is None:
        return rejection_for(None, realm=realm)
    try:
        return await verifier.verify(token, required_scopes=scopes)
    except (TokenVerificationError, InsufficientScope, JWKSFetchError) as exc:
        return rejection_for(exc, realm=realm)


class BearerAuthMiddleware:
    """ASGI middleware: require a valid access token on every request (but `exempt_paths`).

    With `optional=True`, requests without an Authorization header pass with no
    claims; a token that IS present must still be valid.
    """

    def __init__(
        self,
        app: ASGIApp,
        verifier: AsyncTokenVerifier,
        *,
        required_scopes: Iterable[str] = (),
        optional: bool = False,
        exempt_paths: Iterable[str] = (),
        realm: str | None = None,
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.required_scopes = frozenset(required_scopes)
        self.optional = optional
        self.exempt_paths = frozenset(exempt_paths)
        self.realm = realm

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("path") in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        authorization = _header(scope, b"authorization")
        if authorization is None and self.optional:
            await self.app(scope, receive, send)
            return
        outcome = await check_bearer(
            self.verifier, authorization, self.required_scopes, realm=self.realm
        )
        if isinstance(outcome, Rejection):
            await _refuse(scope, send, outcome)
            return
        scope.setdefault("state", {})[CLAIMS_KEY] = outcome
        await self.app(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def _refuse(scope: Scope, send: Send, rejection: Rejection) -> None:
    if scope["type"] == "websocket":
        # Closing before accepting makes the server answer the handshake with 403.
        await send({"type": "websocket.close", "code": 1008, "reason": rejection.error})
        return
    body = rejection.body()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in rejection.headers.items()]
    headers.append((b"cache-control", b"no-store"))
    await send({"type": "http.response.start", "status": rejection.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
