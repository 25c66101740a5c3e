"""`AsyncClient`: the asyncio twin of `Client`, method for method."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from ._base import USER_AGENT, AuthMethod, ClientCore
from ._driver import Flow, T, run_async
from ._grants import (
    TOKEN_TYPE_ACCESS_TOKEN,
    AuthorizationCode,
    ClientCredentials,
    Grant,
    RefreshToken,
    Scope,
    TokenExchange,
)
from ._models import AuthorizationRequest, DeviceAuthorization, Introspection, ServerMetadata, Token
from ._singleflight import AsyncSingleFlight

if TYPE_CHECKING:
    from ._token_source import AsyncTokenSource
    from ._verify import AsyncTokenVerifier


class AsyncClient:
    """An OAuth 2.1 client of one Bastion issuer, for asyncio.

    Endpoints come from discovery (cached for `discovery_ttl` seconds). Pass
    `client_secret` for a confidential client; `auth_method` defaults to
    client_secret_basic (or client_secret_post when the server only offers that).
    Bring your own `http_client` (not closed by `close()`) or a `transport`.
    Use one instance per event loop.
    """

    def __init__(
        self,
        issuer: str,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        auth_method: AuthMethod | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        discovery_ttl: float = 3600.0,
    ) -> None:
        self._core = ClientCore(
            issuer,
            client_id=client_id,
            client_secret=client_secret,
            auth_method=auth_method,
            discovery_ttl=discovery_ttl,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=transport, timeout=timeout, headers={"user-agent": USER_AGENT}
        )
        self._discovery: AsyncSingleFlight[ServerMetadata] = AsyncSingleFlight()

    @property
    def issuer(self) -> str:
        return self._core.issuer

    @property
    def client_id(self) -> str | None:
        return self._core.client_id

    async def _run(self, flow: Flow[T], cancel: asyncio.Event | None = None) -> T:
        return await run_async(self._http, flow, cancel)

    async def metadata(self) -> ServerMetadata:
        """The issuer's discovery document (fetched once, then cached)."""
        core = self._core

        async def fetch() -> ServerMetadata:
            return core.store_metadata(await self._run(core.discovery_flow()))

        return await self._discovery.run(core.cached_metadata, fetch)

    async def request_token(self, grant: Grant) -> Token:
        """Send any grant to the token endpoint."""
        return await self._run(self._core.token_flow(await self.metadata(), grant))

    async def client_credentials(
        self,
        *,
        scope: Scope = None,
        resource: str | Sequence[str] | None = None,
        audience: str | Sequence[str] | None = None,
    ) -> Token:
        """A token for this client itself (RFC 6749 §4.4)."""
        return await self.request_token(ClientCredentials(scope, resource, audience))

    async def exchange_code(self, code: str, *, redirect_uri: str, code_verifier: str) -> Token:
        """Redeem an authorization code with its PKCE verifier."""
        return await self.request_token(AuthorizationCode(code, redirect_uri, code_verifier))

    async def refresh(self, refresh_token: str, *, scope: Scope = None) -> Token:
        """One refresh. The result carries the rotated refresh token: keep it."""
        return await self.request_token(RefreshToken(refresh_token, scope=scope))

    async def exchange_token(
        self,
        subject_token: str,
        *,
        subject_token_type: str = TOKEN_TYPE_ACCESS_TOKEN,
        actor_token: str | None = None,
        actor_token_type: str | None = None,
        requested_token_type: str | None = None,
        audience: str | Sequence[str] | None = None,
        resource: str | Sequence[str] | None = None,
        scope: Scope = None,
    ) -> Token:
        """RFC 8693 token exchange."""
        return await self.request_token(
            TokenExchange(
                subject_token,
                subject_token_type,
                actor_token,
                actor_token_type,
                requested_token_type,
                audience,
                resource,
                scope,
            )
        )

    async def introspect(self, token: str, *, token_type_hint: str | None = None) -> Introspection:
        """Ask the server whether `token` is active (RFC 7662)."""
        flow = self._core.introspect_flow(await self.metadata(), token, token_type_hint)
        return await self._run(flow)

    async def revoke(self, token: str, *, token_type_hint: str | None = None) -> None:
        """Revoke a refresh or access token (RFC 7009); unknown tokens are not an error."""
        await self._run(self._core.revoke_flow(await self.metadata(), token, token_type_hint))

    async def start_device_authorization(self, *, scope: Scope = None) -> DeviceAuthorization:
        """Begin the device flow (RFC 8628 §3.1); show the user code, then poll."""
        return await self._run(self._core.device_authorization_flow(await self.metadata(), scope))

    async def poll_device_token(
        self, authorization: DeviceAuthorization, *, cancel: asyncio.Event | None = None
    ) -> Token:
        """Poll until approved. Honours `interval` and slow_down; raises on expiry,
        denial, or DeviceFlowCancelled when `cancel` is set."""
        flow = self._core.device_poll_flow(await self.metadata(), authorization)
        return await self._run(flow, cancel)

    async def authorization_request(
        self,
        *,
        redirect_uri: str,
        scope: Scope = None,
        state: str | None = None,
        code_verifier: str | None = None,
        nonce: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> AuthorizationRequest:
        """The URL to send the user to, with fresh state and PKCE verifier to keep."""
        return self._core.authorization_request(
            await self.metadata(),
            redirect_uri=redirect_uri,
            scope=scope,
            state=state,
            code_verifier=code_verifier,
            nonce=nonce,
            extra=extra,
        )

    def parse_authorization_response(self, url: str, *, state: str) -> str:
        """The code from the redirect URL, after checking state and issuer."""
        return self._core.parse_authorization_response(url, state=state)

    def token_source(
        self, grant: Grant | None = None, *, skew: float = 60.0, initial: Token | None = None
    ) -> AsyncTokenSource:
        """A cached, self-refreshing token (client credentials unless `grant` says)."""
        from ._token_source import AsyncTokenSource

        return AsyncTokenSource(self, grant or ClientCredentials(), skew=skew, initial=initial)

    def token_verifier(
        self,
        *,
        audience: str | Sequence[str] | None,
        required_scopes: Iterable[str] = (),
        leeway: float = 30.0,
    ) -> AsyncTokenVerifier:
        """A verifier of this issuer's access tokens sharing this client's HTTP pool."""
        from ._verify import AsyncTokenVerifier

        return AsyncTokenVerifier(
            self.issuer,
            audience=audience,
            required_scopes=required_scopes,
            leeway=leeway,
            http_client=self._http,
        )

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
