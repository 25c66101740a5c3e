"""Response parsing with no I/O: HTTP answers in, typed results or typed errors out."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from ._errors import (
    AccessDenied,
    APIError,
    AuthenticationRequired,
    AuthorizationPending,
    Conflict,
    ExpiredToken,
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    InvalidTarget,
    NotFound,
    OAuthError,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    ServerError,
    SlowDown,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedTokenType,
    ValidationFailed,
)
from ._models import DeviceAuthorization, Introspection, ServerMetadata, Token

OAUTH_ERRORS: dict[str, type[OAuthError]] = {
    cls.error_code: cls
    for cls in (
        InvalidRequest,
        InvalidClient,
        InvalidGrant,
        UnauthorizedClient,
        UnsupportedGrantType,
        InvalidScope,
        InvalidTarget,
        UnsupportedTokenType,
        AccessDenied,
        AuthorizationPending,
        SlowDown,
        ExpiredToken,
    )
}

_STATUS_ERRORS: dict[int, type[APIError]] = {
    401: AuthenticationRequired,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
}


def read_json_object(response: httpx.Response) -> dict[str, Any]:
    """The body as a JSON object, or ProtocolError."""
    try:
        body = json.loads(response.content)
    except ValueError:
        kind = response.headers.get("content-type", "no content type")
        raise ProtocolError(
            f"expected a JSON object from {response.request.url}, got {kind} "
            f"(HTTP {response.status_code})",
            response=response,
        ) from None
    if not isinstance(body, dict):
        raise ProtocolError(
            f"expected a JSON object from {response.request.url}, got {type(body).__name__}",
            response=response,
        )
    return body


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def error_from_response(response: httpx.Response) -> APIError:
    """Map an HTTP error answer to the most specific APIError subclass."""
    status = response.status_code
    request_id = response.headers.get("x-request-id")
    try:
        body: Any = json.loads(response.content) if response.content else {}
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = body.get("error")
    description = body.get("error_description") or body.get("message")
    if not isinstance(description, str):
        description = None
    common: dict[str, Any] = {"response": response, "request_id": request_id}
    if isinstance(code, str) and code in OAUTH_ERRORS:
        return OAUTH_ERRORS[code](status, code, description, **common)
    code_text = code if isinstance(code, str) and code else f"http_{status}"
    if status == 429:
        retry_after = _retry_after(response)
        return RateLimited(status, code_text, description, retry_after=retry_after, **common)
    if status == 422:
        errors = body.get("errors") or body.get("detail") or ()
        fields = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
        return ValidationFailed(status, code_text, description, errors=fields, **common)
    if status >= 500:
        return ServerError(status, code_text, description, **common)
    if isinstance(code, str) and code and status in (400, 401):
        return OAuthError(status, code, description, **common)
    cls = _STATUS_ERRORS.get(status, APIError)
    return cls(status, code_text, description, **common)


def check_success(response: httpx.Response) -> None:
    if not response.is_success:
        raise error_from_response(response)


def _opt_str(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) else None


def _opt_int(body: Mapping[str, Any], name: str) -> int | None:
    value = body.get(name)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _str_tuple(body: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = body.get(name)
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _require_str(body: Mapping[str, Any], name: str, response: httpx.Response) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ProtocolError(
            f"the response from {response.request.url} lacks the string member {name!r}",
            response=response,
        )
    return value


def parse_token(response: httpx.Response, *, now: float | None = None) -> Token:
    """A successful token response, or the matching error."""
    check_success(response)
    body = read_json_object(response)
    expires_in = _opt_int(body, "expires_in")
    received = time.time() if now is None else now
    scope = body.get("scope")
    if isinstance(scope, list):
        scope = " ".join(s for s in scope if isinstance(s, str))
    return Token(
        access_token=_require_str(body, "access_token", response),
        token_type=_require_str(body, "token_type", response),
        expires_in=expires_in,
        expires_at=None if expires_in is None else received + expires_in,
        refresh_token=_opt_str(body, "refresh_token"),
        scope=scope if isinstance(scope, str) else None,
        id_token=_opt_str(body, "id_token"),
        issued_token_type=_opt_str(body, "issued_token_type"),
        raw=body,
    )


def parse_metadata(response: httpx.Response, expected_issuer: str) -> ServerMetadata:
    """A discovery document, checked against the configured issuer (RFC 8414 §3.3)."""
    check_success(response)
    body = read_json_object(response)
    issuer = _require_str(body, "issuer", response)
    if issuer != expected_issuer and issuer.rstrip("/") != expected_issuer.rstrip("/"):
        raise ProtocolError(
            f"the discovery document at {response.request.url} names the issuer {issuer!r}, "
            f"not {expected_issuer!r}; refusing it (possible mix-up). Check the issuer URL",
            response=response,
        )
    return ServerMetadata(
        issuer=issuer,
        token_endpoint=_require_str(body, "token_endpoint", response),
        jwks_uri=_opt_str(body, "jwks_uri"),
        authorization_endpoint=_opt_str(body, "authorization_endpoint"),
        device_authorization_endpoint=_opt_str(body, "device_authorization_endpoint"),
        introspection_endpoint=_opt_str(body, "introspection_endpoint"),
        revocation_endpoint=_opt_str(body, "revocation_endpoint"),
        userinfo_endpoint=_opt_str(body, "userinfo_endpoint"),
        end_session_endpoint=_opt_str(body, "end_session_endpoint"),
        grant_types_supported=_str_tuple(body, "grant_types_supported"),
        token_endpoint_auth_methods_supported=_str_tuple(
            body, "token_endpoint_auth_methods_supported"
        ),
        code_challenge_methods_supported=_str_tuple(body, "code_challenge_methods_supported"),
        scopes_supported=_str_tuple(body, "scopes_supported"),
        raw=body,
    )


def parse_introspection(response: httpx.Response) -> Introspection:
    check_success(response)
    body = read_json_object(response)
    active = body.get("active")
    if not isinstance(active, bool):
        raise ProtocolError(
            "the introspection response lacks the boolean member 'active'", response=response
        )
    return Introspection(
        active=active,
        scope=_opt_str(body, "scope"),
        client_id=_opt_str(body, "client_id"),
        username=_opt_str(body, "username"),
        token_type=_opt_str(body, "token_type"),
        exp=_opt_int(body, "exp"),
        iat=_opt_int(body, "iat"),
        nbf=_opt_int(body, "nbf"),
        sub=_opt_str(body, "sub"),
        aud=_str_tuple(body, "aud"),
        iss=_opt_str(body, "iss"),
        jti=_opt_str(body, "jti"),
        raw=body,
    )


def parse_device_authorization(response: httpx.Response, *, now: float) -> DeviceAuthorization:
    """A device authorization response; `now` is `time.monotonic()` at receipt."""
    check_success(response)
    body = read_json_object(response)
    expires_in = _opt_int(body, "expires_in")
    if expires_in is None or expires_in <= 0:
        raise ProtocolError(
            "the device authorization response lacks a positive 'expires_in'", response=response
        )
    interval = _opt_int(body, "interval")
    return DeviceAuthorization(
        device_code=_require_str(body, "device_code", response),
        user_code=_require_str(body, "user_code", response),
        verification_uri=_require_str(body, "verification_uri", response),
        verification_uri_complete=_opt_str(body, "verification_uri_complete"),
        expires_in=expires_in,
        expires_at=now + expires_in,
        interval=interval if interval is not None and interval > 0 else 5,
        raw=body,
    )
