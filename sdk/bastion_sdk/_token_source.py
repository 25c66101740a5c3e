"""Token sources: a cached, self-refreshing access token that is also an `httpx.Auth`.

`TokenSource` (threads) and `AsyncTokenSource` (asyncio) share `_TokenCache`, which
decides, without I/O, whether the cached token can still be used.

Single flight holds on every path. When N callers need a token at once, one of them
asks the server and the others wait for its answer. That includes the path after a
401: each caller says which access token was rejected (`rejected=`), and a new token
is minted only if the cache still holds that very token. If another caller already
replaced it, the waiter takes the replacement. So 100 requests that all get a 401
cause one refresh, which matters with rotating refresh tokens, where a concurrent
reuse of the old refresh token would revoke the whole token family.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator
from typing import TYPE_CHECKING, NoReturn

import httpx

from ._auth import should_retry_unauthorized
from ._grants import Grant
from ._models import Token
from ._singleflight import AsyncSingleFlight, SingleFlight

if TYPE_CHECKING:
    from ._async_client import AsyncClient
    from ._client import Client


class _TokenCache:
    """The cached token and the freshness rule; no I/O, no locking."""

    def __init__(
        self, grant: Grant, skew: float, initial: Token | None, clock: Callable[[], float]
    ) -> None:
        if skew < 0:
            raise ValueError("skew must be >= 0")
        self.grant = grant
        self.skew = skew
        self.token = initial
        self.clock = clock

    def usable(self, rejected: str | None) -> Token | None:
        """The cached token if it is fresh and not the one the caller saw rejected."""
        token = self.token
        if token is None or (rejected is not None and token.access_token == rejected):
            return None
        if token.expires_at is not None:
            # Never refresh earlier than half-way through a short-lived token's life,
            # so a skew longer than the lifetime cannot make every call mint a token.
            margin = self.skew if token.expires_in is None else min(self.skew, token.expires_in / 2)
            if token.expires_within(margin, now=self.clock()):
                return None
        return token

    def store(self, token: Token) -> Token:
        self.token = token
        return token


def _authorize(request: httpx.Request, token: Token) -> None:
    request.headers["Authorization"] = f"Bearer {token.access_token}"


class TokenSource(httpx.Auth):
    """A cached access token from `grant`, refreshed `skew` seconds before expiry.

    Use it directly (`source.token()`) or as `httpx.Client(auth=source)`: requests
    carry the token, and a 401 triggers one refresh and one replay. Thread-safe.
    """

    requires_request_body = True

    def __init__(
        self, client: Client, grant: Grant, *, skew: float = 60.0, initial: Token | None = None
    ) -> None:
        self._client = client
        self._cache = _TokenCache(grant, skew, initial, client._core.clock)
        self._flight: SingleFlight[Token] = SingleFlight()

    @property
    def grant(self) -> Grant:
        return self._cache.grant

    def token(self, *, rejected: str | None = None) -> Token:
        """A fresh token. Pass the access token a server just refused as `rejected`
        to force a new one (unless another caller already replaced it)."""
        cache = self._cache
        token = cache.usable(rejected)
        if token is not None:
            return token
        return self._flight.run(
            lambda: cache.usable(rejected),
            lambda: cache.store(self._client.request_token(cache.grant)),
        )

    def invalidate(self) -> None:
        """Forget the cached token; the next call mints a new one."""
        self._cache.token = None

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.token()
        _authorize(request, token)
        response = yield request
        if should_retry_unauthorized(response):
            _authorize(request, self.token(rejected=token.access_token))
            yield request

    def auth_flow(self, request: httpx.Request) -> NoReturn:
        raise TypeError(
            "TokenSource does blocking I/O and serves httpx.Client; with httpx.AsyncClient "
            "use AsyncClient.token_source(...), which returns an AsyncTokenSource"
        )


class AsyncTokenSource(httpx.Auth):
    """The asyncio twin of TokenSource, for `httpx.AsyncClient(auth=source)`."""

    requires_request_body = True

    def __init__(
        self,
        client: AsyncClient,
        grant: Grant,
        *,
        skew: float = 60.0,
        initial: Token | None = None,
    ) -> None:
        self._client = client
        self._cache = _TokenCache(grant, skew, initial, client._core.clock)
        self._flight: AsyncSingleFlight[Token] = AsyncSingleFlight()

    @property
    def grant(self) -> Grant:
        return self._cache.grant

    async def token(self, *, rejected: str | None = None) -> Token:
        """A fresh token. Pass the access token a server just refused as `rejected`
        to force a new one (unless another caller already replaced it)."""
        cache = self._cache
        token = cache.usable(rejected)
        if token is not None:
            return token

        async def mint() -> Token:
            return cache.store(await self._client.request_token(cache.grant))

        return await self._flight.run(lambda: cache.usable(rejected), mint)

    def invalidate(self) -> None:
        """Forget the cached token; the next call mints a new one."""
        self._cache.token = None

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.token()
        _authorize(request, token)
        response = yield request
        if should_retry_unauthorized(response):
            _authorize(request, await self.token(rejected=token.access_token))
            yield request

    def auth_flow(self, request: httpx.Request) -> NoReturn:
        raise TypeError(
            "AsyncTokenSource serves httpx.AsyncClient; with httpx.Client use "
            "Client.token_source(...), which returns a blocking TokenSource"
        )
