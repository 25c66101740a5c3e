"""OAuth 2.0 error codes as exceptions (RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 8628 §3.5,
RFC 8693 §2.2.2, RFC 8707 §2). Each class carries its code and HTTP status as data; faces
render them, the engine only raises them."""

from __future__ import annotations


class OAuthError(Exception):
    error = "server_error"
    status = 400

    def __init__(self, description: str | None = None) -> None:
        super().__init__(description or self.error)
        self.description = description


class InvalidRequest(OAuthError):
    error = "invalid_request"


class InvalidClient(OAuthError):
    error = "invalid_client"
    status = 401

    def __init__(self, description: str | None = None, *, used_basic: bool = False) -> None:
        super().__init__(description)
        # RFC 6749 §5.2 asks for WWW-Authenticate when the client used the Authorization header;
        # whether to send it is the face's call (some published clients choke on it).
        self.used_basic = used_basic


class InvalidGrant(OAuthError):
    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class InvalidScope(OAuthError):
    error = "invalid_scope"


class InvalidTarget(OAuthError):
    error = "invalid_target"


class UnsupportedTokenType(OAuthError):
    error = "unsupported_token_type"


class AccessDenied(OAuthError):
    error = "access_denied"


class AuthorizationPending(OAuthError):
    error = "authorization_pending"


class SlowDown(OAuthError):
    error = "slow_down"


class ExpiredToken(OAuthError):
    error = "expired_token"


class TooManyRequests(OAuthError):
    error = "too_many_requests"
    status = 429

    def __init__(self, description: str | None = None, *, retry_after: int) -> None:
        super().__init__(description)
        self.retry_after = max(1, retry_after)
