"""OAuth errors → RFC 6749 §5.2 JSON bodies, for this face."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bastion.domain.errors import NotFound
from bastion.faces._shared.context import face_option, issuer_of
from bastion.faces._shared.errors import body_too_large, http_error, oauth_body
from bastion.faces._shared.http import NO_STORE, BodyTooLarge, json_response
from bastion.oauth.errors import (
    InsufficientScope,
    InvalidClient,
    InvalidToken,
    OAuthError,
    TooManyRequests,
)
from bastion.ops import metrics
from bastion.ui.routes import csrf_rejected
from bastion.ui.web import CsrfRejected


async def oauth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    metrics.count(metrics.OAUTH_ERRORS, exc.error)
    headers = dict(NO_STORE)
    if isinstance(exc, TooManyRequests):
        headers["retry-after"] = str(exc.retry_after)
    if isinstance(exc, InvalidToken | InsufficientScope):
        # RFC 6750 §3: protected resources always say how to authenticate.
        headers["www-authenticate"] = f'Bearer error="{exc.error}"'
    if (
        isinstance(exc, InvalidClient)
        and exc.used_basic
        and face_option(request, "www_authenticate_on_invalid_client", False)
    ):
        headers["www-authenticate"] = f'Basic realm="{issuer_of(request).url}"'
    return json_response(oauth_body(exc.error, exc.description), exc.status, headers)


async def not_found(_request: Request, exc: Exception) -> Response:
    return json_response(oauth_body("not_found", str(exc)), 404)


HANDLERS: dict[type[Exception] | int, Callable[[Request, Exception], Awaitable[Response]]] = {
    OAuthError: oauth_error,
    CsrfRejected: csrf_rejected,
    BodyTooLarge: body_too_large,
    NotFound: not_found,
    HTTPException: http_error,
}
