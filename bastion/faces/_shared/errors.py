"""Error bodies shared by faces that speak RFC 6749 §5.2 JSON."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from bastion.faces._shared.http import NO_STORE, BodyTooLarge, json_response


def oauth_body(error: str, description: str | None) -> dict[str, str]:
    body = {"error": error}
    if description:
        body["error_description"] = description
    return body


async def body_too_large(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BodyTooLarge)
    return json_response(oauth_body("invalid_request", str(exc)), 413, NO_STORE)


HTTP_ERRORS = {404: "not_found", 405: "method_not_allowed"}


async def http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = HTTP_ERRORS.get(exc.status_code, "invalid_request")
    headers = dict(exc.headers or {})
    return json_response(oauth_body(error, str(exc.detail)), exc.status_code, headers)


async def not_found_app(scope: Scope, receive: Receive, send: Send) -> None:
    """A bare ASGI 404 for paths nobody serves, with the same body everywhere."""
    await json_response(oauth_body("not_found", "Not Found"), 404)(scope, receive, send)
