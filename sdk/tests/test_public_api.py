"""The public surface: a flat, sorted namespace, the error tree, and twin parity."""

from __future__ import annotations

import inspect

import bastion_sdk
from bastion_sdk import (
    AsyncClient,
    AsyncJWKSCache,
    AsyncTokenSource,
    AsyncTokenVerifier,
    Client,
    JWKSCache,
    TokenSource,
    TokenVerifier,
)

EXPECTED = {
    "APIError", "AccessDenied", "AccessTokenClaims", "ApiKeyAuth", "AsyncClient",
    "AsyncJWKSCache", "AsyncTokenSource", "AsyncTokenVerifier", "AudienceMismatch",
    "AuthMethod", "AuthenticationRequired", "AuthorizationCode", "AuthorizationPending",
    "AuthorizationRequest", "BastionError", "BearerAuthMiddleware", "Client",
    "ClientCredentials", "Conflict", "DeviceAuthorization", "DeviceCode",
    "DeviceFlowCancelled", "DeviceFlowError", "DeviceFlowExpired", "ExpiredToken", "Grant",
    "InsufficientScope", "Introspection", "InvalidClient", "InvalidGrant", "InvalidRequest",
    "InvalidScope", "InvalidTarget", "InvalidToken", "IssuerMismatch", "JWKSCache",
    "JWKSFetchError", "KeyNotFound", "NotFound", "OAuthError", "PermissionDenied",
    "ProtocolError", "RateLimited", "RefreshToken", "ServerError", "ServerMetadata",
    "SlowDown", "TOKEN_TYPE_ACCESS_TOKEN", "TOKEN_TYPE_ID_TOKEN", "TOKEN_TYPE_JWT",
    "TOKEN_TYPE_REFRESH_TOKEN", "Token", "TokenExchange", "TokenExpired", "TokenNotYetValid",
    "TokenSource", "TokenVerificationError", "TokenVerifier", "TransportError",
    "UnauthorizedClient", "UnsupportedGrantType", "UnsupportedTokenType", "ValidationFailed",
    "__version__", "code_challenge", "generate_code_verifier", "generate_state",
}  # fmt: skip


def test_all_is_sorted_and_exact() -> None:
    assert bastion_sdk.__all__ == sorted(bastion_sdk.__all__)
    assert set(bastion_sdk.__all__) == EXPECTED


def test_every_exported_name_is_public_api() -> None:
    for name in bastion_sdk.__all__:
        value = getattr(bastion_sdk, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert not value.__name__.startswith("_"), name


def test_error_tree() -> None:
    b = bastion_sdk
    assert issubclass(b.TransportError, b.BastionError)
    assert issubclass(b.InvalidGrant, b.OAuthError) and issubclass(b.OAuthError, b.APIError)
    assert issubclass(b.RateLimited, b.APIError)
    assert issubclass(b.TokenExpired, b.TokenVerificationError)
    assert issubclass(b.KeyNotFound, b.TokenVerificationError)
    # A key fetch failure and a missing scope are NOT "invalid token".
    assert not issubclass(b.JWKSFetchError, b.TokenVerificationError)
    assert not issubclass(b.InsufficientScope, b.TokenVerificationError)
    assert issubclass(b.ExpiredToken, b.DeviceFlowExpired)
    for name in b.__all__:
        value = getattr(b, name)
        if inspect.isclass(value) and issubclass(value, Exception):
            assert issubclass(value, b.BastionError), name


def _public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def test_twins_have_the_same_methods_and_parameters() -> None:
    renamed = {"close": "aclose"}
    for sync_cls, async_cls in [
        (Client, AsyncClient),
        (TokenSource, AsyncTokenSource),
        (TokenVerifier, AsyncTokenVerifier),
        (JWKSCache, AsyncJWKSCache),
    ]:
        sync_methods = _public_methods(sync_cls)
        async_methods = _public_methods(async_cls)
        ignored = {"sync_auth_flow", "async_auth_flow", "auth_flow", "cached_candidates"}
        expected = {renamed.get(n, n) for n in sync_methods} - ignored
        assert expected == set(async_methods) - ignored, sync_cls.__name__
        for name, signature in sync_methods.items():
            if name in ignored:
                continue
            other = async_methods[renamed.get(name, name)]
            assert list(signature.parameters) == list(other.parameters), f"{sync_cls}.{name}"
        assert list(inspect.signature(sync_cls).parameters) == list(
            inspect.signature(async_cls).parameters
        )


def test_async_twin_methods_are_coroutines() -> None:
    for name in (
        "metadata",
        "client_credentials",
        "introspect",
        "revoke",
        "poll_device_token",
        "request_token",
        "aclose",
    ):
        assert inspect.iscoroutinefunction(getattr(AsyncClient, name)), name
    assert inspect.iscoroutinefunction(AsyncTokenVerifier.verify)
    assert not inspect.iscoroutinefunction(TokenVerifier.verify)
