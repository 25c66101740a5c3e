"""Domain errors: what a use case can refuse, independent of any wire format.

Each face maps these classes (looked up along the MRO) to its own status codes and bodies.

    DomainError
    ├── NotFound            the thing does not exist *for this caller* (uniform across tenants)
    ├── Conflict            a uniqueness or state rule was violated
    ├── ValidationFailed    the input breaks a rule; ``fields`` says which
    ├── Unauthenticated     no or bad credentials
    ├── PermissionDenied    authenticated, not allowed
    └── RateLimited         too many attempts; ``retry_after`` in seconds
"""

from __future__ import annotations


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class ValidationFailed(DomainError):
    code = "validation_failed"

    def __init__(
        self, message: str, *, fields: dict[str, str] | None = None, code: str | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.fields = fields or {}


class Unauthenticated(DomainError):
    code = "unauthenticated"


class PermissionDenied(DomainError):
    code = "permission_denied"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)
