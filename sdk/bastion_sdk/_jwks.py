"""JWKS caches: `JWKSCache` (threads) and `AsyncJWKSCache` (asyncio) over `_JWKSState`.

Behaviour, for both:
* keys are cached for `ttl` seconds (default 10 min); concurrent callers that find the
  cache empty or stale share one fetch (single flight);
* a token whose `kid` is unknown causes ONE refetch, and at most one per `cooldown`
  seconds (default 30 s), so random kids cannot turn verifiers into a JWKS flood;
* when a refresh fails but keys are cached, the old keys keep serving for up to
  `stale_if_error` seconds past their TTL, with a retry every `cooldown` seconds, so a
  JWKS outage does not take every API down with it;
* a failure with nothing usable cached is a `JWKSFetchError` (validity unknown: 503),
  never a token error;
* the JWKS URL comes from the issuer's discovery document unless given; redirects are
  not followed and nothing but a 200 JWK Set without private keys is accepted.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import httpx

from ._base import USER_AGENT
from ._driver import Call, Flow, run_async, run_sync, send
from ._errors import BastionError, JWKSFetchError, KeyNotFound
from ._jwk import JWKSError, KeySet, VerificationKey, parse_jwks
from ._responses import parse_metadata
from ._singleflight import AsyncSingleFlight, SingleFlight

log = logging.getLogger("bastion_sdk")
_ACCEPT = "application/jwk-set+json, application/json"


class _JWKSState:
    """What is cached and when to fetch again; no I/O, no locking."""

    def __init__(
        self,
        issuer: str | None,
        jwks_uri: str | None,
        *,
        ttl: float,
        cooldown: float,
        stale_if_error: float,
        timeout: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if issuer is None and jwks_uri is None:
            raise ValueError("give the issuer (for discovery) or the jwks_uri")
        self.issuer = issuer.rstrip("/") if issuer else None
        self.jwks_uri = jwks_uri
        self.ttl, self.cooldown, self.stale_if_error = ttl, cooldown, stale_if_error
        self.timeout = timeout
        self.monotonic = monotonic
        self.keys: KeySet | None = None
        self.fresh_until = 0.0
        self.fetched_at = float("-inf")
        self.attempted_at = float("-inf")
        self.generation = 0

    def current(self) -> KeySet | None:
        """The cached keys while they are fresh."""
        keys = self.keys
        return keys if keys is not None and self.monotonic() < self.fresh_until else None

    def newer_than(self, generation: int) -> KeySet | None:
        return self.keys if self.generation != generation else None

    def refetch_allowed(self) -> bool:
        return self.monotonic() - self.attempted_at >= self.cooldown

    def fetch_flow(self) -> Flow[KeySet]:
        headers = {"accept": "application/json", "user-agent": USER_AGENT}
        if self.jwks_uri is None:
            assert self.issuer is not None
            url = f"{self.issuer}/.well-known/openid-configuration"
            response = yield from send(Call("GET", url, headers, timeout=self.timeout))
            metadata = parse_metadata(response, self.issuer)
            if metadata.jwks_uri is None:
                raise JWKSFetchError(f"the issuer {self.issuer} publishes no jwks_uri")
            self.jwks_uri = metadata.jwks_uri
        headers["accept"] = _ACCEPT
        response = yield from send(Call("GET", self.jwks_uri, headers, timeout=self.timeout))
        if response.status_code != 200:
            raise JWKSFetchError(
                f"GET {self.jwks_uri} answered HTTP {response.status_code}, not 200"
            )
        try:
            return parse_jwks(json.loads(response.content))
        except (ValueError, JWKSError) as exc:
            raise JWKSFetchError(f"{self.jwks_uri} is not a usable JWK Set: {exc}") from None

    def succeeded(self, keys: KeySet) -> KeySet:
        now = self.monotonic()
        self.keys, self.fresh_until = keys, now + self.ttl
        self.fetched_at = self.attempted_at = now
        self.generation += 1
        return keys

    def failed(self, exc: BastionError) -> KeySet:
        """Stale keys to carry on with, or raise JWKSFetchError."""
        now = self.monotonic()
        self.attempted_at = now
        self.generation += 1
        where = self.jwks_uri or f"{self.issuer} (discovery)"
        if self.keys is not None and now < self.fetched_at + self.ttl + self.stale_if_error:
            self.fresh_until = now + self.cooldown
            log.warning("JWKS refresh from %s failed (%s); serving cached keys", where, exc)
            return self.keys
        if isinstance(exc, JWKSFetchError):
            raise exc
        raise JWKSFetchError(
            f"could not fetch the signing keys from {where}: {exc}. The token's validity is "
            "unknown; answer 503 and retry"
        ) from exc

    @staticmethod
    def not_found(kid: str | None, alg: str) -> KeyNotFound:
        return KeyNotFound(
            f"no published key matches kid={kid!r} for {alg}; was the token issued by "
            "another issuer, or with a key that is already retired?",
            kid=kid,
        )


class JWKSCache:
    """A blocking, thread-safe JWKS cache."""

    def __init__(
        self,
        issuer: str | None = None,
        *,
        jwks_uri: str | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        ttl: float = 600.0,
        cooldown: float = 30.0,
        stale_if_error: float = 3600.0,
        timeout: float = 5.0,
    ) -> None:
        self._state = _JWKSState(
            issuer,
            jwks_uri,
            ttl=ttl,
            cooldown=cooldown,
            stale_if_error=stale_if_error,
            timeout=timeout,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport, timeout=timeout)
        self._flight: SingleFlight[KeySet] = SingleFlight()

    def _fetch(self) -> KeySet:
        try:
            keys = run_sync(self._http, self._state.fetch_flow())
        except BastionError as exc:
            return self._state.failed(exc)
        return self._state.succeeded(keys)

    def keys(self) -> KeySet:
        """The current key set, fetched if the cache is empty or stale."""
        keys = self._state.current()
        if keys is None:
            keys = self._flight.run(self._state.current, self._fetch)
        return keys

    def candidates(self, kid: str | None, alg: str) -> tuple[VerificationKey, ...]:
        """The keys for `kid`/`alg`, refetching once (per cooldown) for an unknown kid."""
        state = self._state
        keys = state.keys
        if keys is not None and state.monotonic() < state.fresh_until:
            found = keys.candidates(kid, alg)  # the hot path: a fresh cache and a known kid
        else:
            found = self.keys().candidates(kid, alg)
        if found:
            return found
        if not state.refetch_allowed():
            raise state.not_found(kid, alg)
        generation = state.generation
        keys = self._flight.run(lambda: state.newer_than(generation), self._fetch)
        found = keys.candidates(kid, alg)
        if not found:
            raise state.not_found(kid, alg)
        return found

    def close(self) -> None:
        if self._owns_http:
            self._http.close()


class AsyncJWKSCache:
    """The asyncio twin of JWKSCache."""

    def __init__(
        self,
        issuer: str | None = None,
        *,
        jwks_uri: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        ttl: float = 600.0,
        cooldown: float = 30.0,
        stale_if_error: float = 3600.0,
        timeout: float = 5.0,
    ) -> None:
        self._state = _JWKSState(
            issuer,
            jwks_uri,
            ttl=ttl,
            cooldown=cooldown,
            stale_if_error=stale_if_error,
            timeout=timeout,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(transport=transport, timeout=timeout)
        self._flight: AsyncSingleFlight[KeySet] = AsyncSingleFlight()

    async def _fetch(self) -> KeySet:
        try:
            keys = await run_async(self._http, self._state.fetch_flow())
        except BastionError as exc:
            return self._state.failed(exc)
        return self._state.succeeded(keys)

    def cached_candidates(self, kid: str | None, alg: str) -> tuple[VerificationKey, ...]:
        """The fast path: matching keys from a fresh cache, or () when I/O is needed."""
        keys = self._state.current()
        return () if keys is None else keys.candidates(kid, alg)

    async def keys(self) -> KeySet:
        """The current key set, fetched if the cache is empty or stale."""
        keys = self._state.current()
        if keys is None:
            keys = await self._flight.run(self._state.current, self._fetch)
        return keys

    async def candidates(self, kid: str | None, alg: str) -> tuple[VerificationKey, ...]:
        """The keys for `kid`/`alg`, refetching once (per cooldown) for an unknown kid."""
        state = self._state
        found = (await self.keys()).candidates(kid, alg)
        if found:
            return found
        if not state.refetch_allowed():
            raise state.not_found(kid, alg)
        generation = state.generation
        keys = await self._flight.run(lambda: state.newer_than(generation), self._fetch)
        found = keys.candidates(kid, alg)
        if not found:
            raise state.not_found(kid, alg)
        return found

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()
