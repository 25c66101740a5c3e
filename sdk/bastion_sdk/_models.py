"""Typed, frozen results. Each keeps the full wire object in `.raw` for unknown fields.

Secrets (access, refresh and ID tokens) are left out of `repr()`, so logging a result
never leaks a credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ServerMetadata:
    """The authorization server's metadata (OpenID Connect Discovery / RFC 8414)."""

    issuer: str
    token_endpoint: str
    jwks_uri: str | None = None
    authorization_endpoint: str | None = None
    device_authorization_endpoint: str | None = None
    introspection_endpoint: str | None = None
    revocation_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    end_session_endpoint: str | None = None
    grant_types_supported: tuple[str, ...] = ()
    token_endpoint_auth_methods_supported: tuple[str, ...] = ()
    code_challenge_methods_supported: tuple[str, ...] = ()
    scopes_supported: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Token:
    """A token endpoint response (RFC 6749 §5.1, RFC 8693 §2.2.1).

    `expires_at` is the local wall-clock time (seconds since the epoch) at which the
    access token expires, computed from `expires_in` when the response arrived; it is
    None when the server did not say.
    """

    access_token: str = field(repr=False)
    token_type: str
    expires_in: int | None = None
    expires_at: float | None = None
    refresh_token: str | None = field(default=None, repr=False)
    scope: str | None = None
    id_token: str | None = field(default=None, repr=False)
    issued_token_type: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def scopes(self) -> frozenset[str]:
        """The granted scopes as a set (empty when the server did not list them)."""
        return frozenset(self.scope.split()) if self.scope else frozenset()

    def expires_within(self, seconds: float, *, now: float) -> bool:
        """True if the token expires in `seconds` or less from `now` (False if unknown)."""
        return self.expires_at is not None and self.expires_at - now <= seconds


@dataclass(frozen=True, slots=True)
class Introspection:
    """A token introspection response (RFC 7662 §2.2)."""

    active: bool
    scope: str | None = None
    client_id: str | None = None
    username: str | None = None
    token_type: str | None = None
    exp: int | None = None
    iat: int | None = None
    nbf: int | None = None
    sub: str | None = None
    aud: tuple[str, ...] = ()
    iss: str | None = None
    jti: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.scope.split()) if self.scope else frozenset()


@dataclass(frozen=True, slots=True)
class DeviceAuthorization:
    """A device authorization response (RFC 8628 §3.2).

    Show `user_code` and `verification_uri` (or `verification_uri_complete`) to the
    user, then poll. `expires_at` is a `time.monotonic()` deadline.
    """

    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    expires_in: int
    expires_at: float
    interval: int = 5
    verification_uri_complete: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """An authorization URL with the state and PKCE verifier to keep until the callback."""

    url: str
    state: str
    code_verifier: str = field(repr=False)
    nonce: str | None = None


@dataclass(frozen=True, slots=True)
class AccessTokenClaims:
    """The verified claims of a JWT access token (RFC 9068 §2.2).

    Every field was checked. `raw` is the whole payload, including claims the SDK does
    not model, and it is read-only all the way down (JSON objects are read-only
    mappings, arrays are tuples) because one verified payload may be shared by many
    verifications of the same token; `to_dict()` gives a plain, mutable copy.
    """

    issuer: str
    subject: str | None
    audience: tuple[str, ...]
    expires_at: int
    issued_at: int | None
    not_before: int | None
    jwt_id: str | None
    client_id: str | None
    scopes: frozenset[str]
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    def __getitem__(self, name: str) -> Any:
        return self.raw[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.raw.get(name, default)

    def to_dict(self) -> dict[str, Any]:
        """The payload as plain JSON types (dicts and lists), safe to modify."""
        thawed: dict[str, Any] = _thaw(self.raw)
        return thawed


class UnfrozenClaims:
    """AccessTokenClaims' slot layout with a plain `__init__`, for the verification hot path.

    A frozen dataclass sets each field through `object.__setattr__`, which costs more than
    most claim checks put together. This twin stores the fields with plain slot writes and
    `freeze()` then retypes the instance (CPython allows `__class__` assignment between
    classes with identical slots), so what callers get is an ordinary, frozen
    AccessTokenClaims. tests/test_verify.py checks that both spellings give equal objects.
    """

    __slots__ = AccessTokenClaims.__slots__  # the dataclass's fields, in order

    def __init__(
        self,
        issuer: str,
        subject: str | None,
        audience: tuple[str, ...],
        expires_at: int,
        issued_at: int | None,
        not_before: int | None,
        jwt_id: str | None,
        client_id: str | None,
        scopes: frozenset[str],
        raw: Mapping[str, Any],
    ) -> None:
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.expires_at = expires_at
        self.issued_at = issued_at
        self.not_before = not_before
        self.jwt_id = jwt_id
        self.client_id = client_id
        self.scopes = scopes
        self.raw = raw

    def freeze(self) -> AccessTokenClaims:
        """This object, now a frozen AccessTokenClaims."""
        self.__class__ = AccessTokenClaims  # type: ignore[assignment]
        return self  # type: ignore[return-value]


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value
