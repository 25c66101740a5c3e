"""Every error the SDK raises, under one root.

```
BastionError
├── TransportError               the request never got an HTTP answer (DNS, refused, TLS, timeout)
├── ProtocolError                the server answered, but not in a shape the protocol allows
├── APIError                     an HTTP error answer: .status, .code, .description, .request_id
│   ├── OAuthError               an RFC 6749 §5.2 error body {"error", "error_description"}
│   │   ├── InvalidRequest           invalid_request
│   │   ├── InvalidClient            invalid_client
│   │   ├── InvalidGrant             invalid_grant
│   │   ├── UnauthorizedClient       unauthorized_client
│   │   ├── UnsupportedGrantType     unsupported_grant_type
│   │   ├── InvalidScope             invalid_scope
│   │   ├── InvalidTarget            invalid_target (RFC 8707 / RFC 8693)
│   │   ├── UnsupportedTokenType     unsupported_token_type (RFC 7009)
│   │   ├── AccessDenied             access_denied
│   │   ├── AuthorizationPending     authorization_pending (RFC 8628)
│   │   ├── SlowDown                 slow_down (RFC 8628)
│   │   └── ExpiredToken             expired_token (RFC 8628); also a DeviceFlowExpired
│   ├── AuthenticationRequired   401 without an OAuth error code
│   ├── PermissionDenied         403
│   ├── NotFound                 404
│   ├── Conflict                 409
│   ├── ValidationFailed         422, with .errors
│   ├── RateLimited              429, with .retry_after
│   └── ServerError              5xx
├── DeviceFlowError
│   ├── DeviceFlowExpired        the device code's lifetime ran out while polling
│   └── DeviceFlowCancelled      the caller cancelled the polling
├── JWKSFetchError               the signing keys could not be fetched: validity is UNKNOWN
├── InsufficientScope            a valid token lacks a required scope (answer 403)
└── TokenVerificationError       the token is not acceptable (answer 401 invalid_token)
    ├── InvalidToken                 malformed, bad signature, disallowed alg, wrong typ, bad claim
    ├── TokenExpired                 exp is in the past (beyond the leeway)
    ├── TokenNotYetValid             nbf or iat is in the future (beyond the leeway)
    ├── IssuerMismatch               iss is not the pinned issuer
    ├── AudienceMismatch             aud does not contain the pinned audience
    └── KeyNotFound                  no published key matches the token's kid and alg
```

A network failure while fetching keys is a `JWKSFetchError`, never a
`TokenVerificationError`: a resource server should answer 503, not 401, when it
cannot tell whether a token is valid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import httpx


class BastionError(Exception):
    """Root of every error raised by bastion_sdk."""


class TransportError(BastionError):
    """The request did not get an HTTP response (connection, DNS, TLS or timeout)."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class ProtocolError(BastionError):
    """The server's answer breaks the protocol (not JSON, a required field missing, ...)."""

    def __init__(self, message: str, *, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.response = response


class APIError(BastionError):
    """The server answered with an HTTP error.

    `code` is the machine-readable error code from the body (`error` for OAuth
    endpoints), `description` the human-readable text, `request_id` the value of the
    `X-Request-Id` response header when the server sent one.
    """

    hint: ClassVar[str] = ""

    def __init__(
        self,
        status: int,
        code: str,
        description: str | None,
        *,
        response: httpx.Response | None = None,
        request_id: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.description = description
        self.response = response
        self.request_id = request_id
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"HTTP {self.status} {self.code}"
        if self.description:
            text += f": {self.description}"
        if self.hint:
            text += f". {self.hint}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class OAuthError(APIError):
    """An OAuth error response (RFC 6749 §5.2), `code` is its `error` member."""

    error_code: ClassVar[str] = ""

    @property
    def error(self) -> str:
        return self.code

    @property
    def error_description(self) -> str | None:
        return self.description


class InvalidRequest(OAuthError):
    error_code = "invalid_request"
    hint = "A parameter is missing, repeated or malformed; check the arguments of the call"


class InvalidClient(OAuthError):
    error_code = "invalid_client"
    hint = (
        "The server did not accept the client's credentials; check client_id and "
        "client_secret, and that auth_method matches the client's registration"
    )


class InvalidGrant(OAuthError):
    error_code = "invalid_grant"
    hint = (
        "The code, refresh token or device code is invalid, expired, revoked or was "
        "issued to another client; start the flow again"
    )


class UnauthorizedClient(OAuthError):
    error_code = "unauthorized_client"
    hint = "This client is not allowed to use this grant type; enable it in the client's settings"


class UnsupportedGrantType(OAuthError):
    error_code = "unsupported_grant_type"
    hint = "The server does not support this grant type; see grant_types_supported in discovery"


class InvalidScope(OAuthError):
    error_code = "invalid_scope"
    hint = "Request only scopes that the client is registered for"


class InvalidTarget(OAuthError):
    error_code = "invalid_target"
    hint = "The requested audience or resource is unknown or not allowed for this client"


class UnsupportedTokenType(OAuthError):
    error_code = "unsupported_token_type"
    hint = "The server cannot handle this token type; check subject_token_type / token_type_hint"


class AccessDenied(OAuthError):
    error_code = "access_denied"
    hint = "The resource owner or the server denied the request"


class AuthorizationPending(OAuthError):
    error_code = "authorization_pending"
    hint = "The user has not approved the device yet; keep polling"


class SlowDown(OAuthError):
    error_code = "slow_down"
    hint = "Polling too fast; increase the interval by 5 seconds"


class DeviceFlowError(BastionError):
    """The device authorization flow ended without a token."""


class DeviceFlowExpired(DeviceFlowError):
    """The device code expired before the user approved it; start a new device flow."""


class DeviceFlowCancelled(DeviceFlowError):
    """Polling was cancelled by the caller."""


class ExpiredToken(OAuthError, DeviceFlowExpired):
    error_code = "expired_token"
    hint = "The device code expired before the user approved it; start a new device flow"


class AuthenticationRequired(APIError):
    hint = "Send valid credentials (is the token expired or revoked?)"


class PermissionDenied(APIError):
    hint = "The credentials are valid but lack the permission for this operation"


class NotFound(APIError):
    hint = "Check the URL, the issuer and the identifiers in the call"


class Conflict(APIError):
    hint = "The resource already exists or was changed concurrently"


class ValidationFailed(APIError):
    """422: the body was understood but some fields are invalid; see `errors`."""

    def __init__(
        self,
        status: int,
        code: str,
        description: str | None,
        *,
        errors: Sequence[Mapping[str, Any]] = (),
        response: httpx.Response | None = None,
        request_id: str | None = None,
    ) -> None:
        self.errors = tuple(errors)
        super().__init__(status, code, description, response=response, request_id=request_id)


class RateLimited(APIError):
    """429: slow down; `retry_after` is the server's Retry-After in seconds, if any."""

    hint = "Too many requests; wait before retrying"

    def __init__(
        self,
        status: int,
        code: str,
        description: str | None,
        *,
        retry_after: float | None = None,
        response: httpx.Response | None = None,
        request_id: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(status, code, description, response=response, request_id=request_id)


class ServerError(APIError):
    hint = "The server failed; retry later and report the request id if it persists"


class JWKSFetchError(BastionError):
    """The verification keys (or the discovery document naming them) could not be fetched.

    The token's validity is unknown: a resource server should answer 503, not 401.
    """


class InsufficientScope(BastionError):
    """The token is valid but does not grant every required scope (answer 403)."""

    def __init__(self, required: frozenset[str], granted: frozenset[str]) -> None:
        self.required = required
        self.granted = granted
        missing = " ".join(sorted(required - granted))
        super().__init__(
            f"the access token lacks the scope(s) {missing!r}; request a token with them"
        )


class TokenVerificationError(BastionError):
    """The token is not acceptable; `code` is a stable machine-readable reason."""

    code: ClassVar[str] = "invalid_token"


class InvalidToken(TokenVerificationError):
    code = "invalid_token"


class TokenExpired(TokenVerificationError):
    code = "token_expired"

    def __init__(self, message: str, *, expired_at: float) -> None:
        super().__init__(message)
        self.expired_at = expired_at


class TokenNotYetValid(TokenVerificationError):
    code = "token_not_yet_valid"

    def __init__(self, message: str, *, valid_from: float) -> None:
        super().__init__(message)
        self.valid_from = valid_from


class IssuerMismatch(TokenVerificationError):
    code = "issuer_mismatch"


class AudienceMismatch(TokenVerificationError):
    code = "audience_mismatch"


class KeyNotFound(TokenVerificationError):
    code = "key_not_found"

    def __init__(self, message: str, *, kid: str | None) -> None:
        super().__init__(message)
        self.kid = kid
