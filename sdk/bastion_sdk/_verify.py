"""`TokenVerifier` and `AsyncTokenVerifier`: local verification of JWT access tokens.

A verifier pins the issuer and the audience, allows only asymmetric algorithms
(RS256, ES256 and EdDSA by default; never `none`, never HS*), requires the header
`typ` to be `at+jwt` (RFC 9068 §4), tolerates `leeway` seconds of clock skew, and
requires the RFC 9068 claims plus any `required_claims` and `required_scopes`.
Keys come from a JWKS cache (see `_jwks`). The payload checks of up to
`payload_cache_size` verified tokens are remembered (see `_claims`); the signature,
time and scope checks run on every call.

`verify()` returns `AccessTokenClaims` or raises:
* `TokenVerificationError` (a subclass per reason): the token is not acceptable;
* `InsufficientScope`: the token is fine but lacks a required scope;
* `JWKSFetchError`: the keys could not be fetched, so validity is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import httpx

from ._claims import ACCESS_TOKEN_TYP, DEFAULT_PAYLOAD_CACHE_SIZE, VerifierCore
from ._jwks import AsyncJWKSCache, JWKSCache
from ._jws import DEFAULT_ALGORITHMS
from ._models import AccessTokenClaims


class TokenVerifier:
    """Verifies access tokens of one issuer, blocking on I/O only to fetch keys.

    `audience` is required; pass `audience=None` only if you deliberately accept
    tokens meant for any audience. Thread-safe: build one and share it.
    """

    def __init__(
        self,
        issuer: str | Sequence[str],
        *,
        audience: str | Sequence[str] | None,
        jwks_uri: str | None = None,
        algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
        typ: str | None = ACCESS_TOKEN_TYP,
        leeway: float = 30.0,
        required_claims: Iterable[str] = (),
        required_scopes: Iterable[str] = (),
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        jwks_ttl: float = 600.0,
        jwks_cooldown: float = 30.0,
        jwks_stale_if_error: float = 3600.0,
        timeout: float = 5.0,
        payload_cache_size: int = DEFAULT_PAYLOAD_CACHE_SIZE,
    ) -> None:
        self._core = VerifierCore(
            issuer,
            audience=audience,
            algorithms=algorithms,
            typ=typ,
            leeway=leeway,
            required_claims=required_claims,
            required_scopes=required_scopes,
            payload_cache_size=payload_cache_size,
        )
        self.jwks = JWKSCache(
            self._core.issuer,
            jwks_uri=jwks_uri,
            http_client=http_client,
            transport=transport,
            ttl=jwks_ttl,
            cooldown=jwks_cooldown,
            stale_if_error=jwks_stale_if_error,
            timeout=timeout,
        )

    def verify(
        self, token: str, *, required_scopes: Iterable[str] | None = None
    ) -> AccessTokenClaims:
        """The verified claims of `token`; `required_scopes` overrides the default set."""
        core = self._core
        header, payload, signing_input, signature = core.split(token)
        keys = self.jwks.candidates(header.kid, header.alg)
        core.check_signature(header.alg, signing_input, signature, keys)
        return core.claims(payload, required_scopes)

    def close(self) -> None:
        self.jwks.close()


class AsyncTokenVerifier:
    """The asyncio twin of TokenVerifier; use one per event loop."""

    def __init__(
        self,
        issuer: str | Sequence[str],
        *,
        audience: str | Sequence[str] | None,
        jwks_uri: str | None = None,
        algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
        typ: str | None = ACCESS_TOKEN_TYP,
        leeway: float = 30.0,
        required_claims: Iterable[str] = (),
        required_scopes: Iterable[str] = (),
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        jwks_ttl: float = 600.0,
        jwks_cooldown: float = 30.0,
        jwks_stale_if_error: float = 3600.0,
        timeout: float = 5.0,
        payload_cache_size: int = DEFAULT_PAYLOAD_CACHE_SIZE,
    ) -> None:
        self._core = VerifierCore(
            issuer,
            audience=audience,
            algorithms=algorithms,
            typ=typ,
            leeway=leeway,
            required_claims=required_claims,
            required_scopes=required_scopes,
            payload_cache_size=payload_cache_size,
        )
        self.jwks = AsyncJWKSCache(
            self._core.issuer,
            jwks_uri=jwks_uri,
            http_client=http_client,
            transport=transport,
            ttl=jwks_ttl,
            cooldown=jwks_cooldown,
            stale_if_error=jwks_stale_if_error,
            timeout=timeout,
        )

    async def verify(
        self, token: str, *, required_scopes: Iterable[str] | None = None
    ) -> AccessTokenClaims:
        """The verified claims of `token`; `required_scopes` overrides the default set."""
        core = self._core
        header, payload, signing_input, signature = core.split(token)
        keys = self.jwks.cached_candidates(header.kid, header.alg)
        if not keys:
            keys = await self.jwks.candidates(header.kid, header.alg)
        core.check_signature(header.alg, signing_input, signature, keys)
        return core.claims(payload, required_scopes)

    async def aclose(self) -> None:
        await self.jwks.aclose()
