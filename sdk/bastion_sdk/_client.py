"""`Client`: the blocking OAuth client. `AsyncClient` is its twin, method for method."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from ._base import USER_AGENT, AuthMethod, ClientCore
from ._driver import Flow, T, run_sync
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
from ._singleflight import SingleFlight

if TYPE_CHECKING:
    from ._token_source import TokenSource
    from ._verify import TokenVerifier


class Client:
    """An OAuth 2.1 client of one Bastion issuer, with blocking I/O.

    Endpoints come from discovery (cached for `discovery_ttl` seconds). Pass
    `client_secret` for a confidential client; `auth_method` defaults to
    client_secret_basic (or client_secret_post when the server only offers that).
    Bring your own `http_client` (not closed by `close()`) or a `transport`.
    Thread-safe: share one instance.
    """

    def __init__(
        self,
        issuer: str,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        auth_method: AuthMethod | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
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
        self._http = http_client or httpx.Client(
            transport=transport, timeout=timeout, headers={"user-agent": USER_AGENT}
        )
        self._discovery: SingleFlight[ServerMetadata] = SingleFlight()

    @property
    def issuer(self) -> str:
        return self._core.issuer

    @property
    def client_id(self) -> str | None:
        return self._core.client_id

    def _run(self, flow: Flow[T], cancel: threading.Event | None = None) -> T:
        return run_sync(self._http, flow, cancel)

    def metadata(self) -> ServerMetadata:
        """The issuer's discovery document (fetched once, then cached)."""
        core = self._core
        return self._discovery.run(
            core.cached_metadata, lambda: core.store_metadata(self._run(core.discovery_flow()))
        )

    def request_token(self, grant: Grant) -> Token:
        """Send any grant to the token endpoint."""
        return self._run(self._core.token_flow(self.metadata(), grant))

    def client_credentials(
        self,
        *,
        scope: Scope = None,
        resource: str | Sequence[str] | None = None,
        audience: str | Sequence[str] | None = None,
    ) -> Token:
        """A token for this client itself (RFC 6749 §4.4)."""
        return self.request_token(ClientCredentials(scope, resource, audience))

    def exchange_code(self, code: str, *, redirect_uri: str, code_verifier: str) -> Token:
        """Redeem an authorization code with its PKCE verifier."""
        return self.request_token(AuthorizationCode(code, redirect_uri, code_verifier))

    def refresh(self, refresh_token: str, *, scope: Scope = None) -> Token:
        """One refresh. The result carries the rotated refresh token: keep it."""
        return self.request_token(RefreshToken(refresh_token, scope=scope))

    def exchange_token(
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
        return self.request_token(
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

    def introspect(self, token: str, *, token_type_hint: str | None = None) -> Introspection:
        """Ask the server whether `token` is active (RFC 7662)."""
        flow = self._core.introspect_flow(self.metadata(), token, token_type_hint)
        return self._run(flow)

    def revoke(self, token: str, *, token_type_hint: str | None = None) -> None:
        """Revoke a refresh or access token (RFC 7009); unknown tokens are not an error."""
        self._run(self._core.revoke_flow(self.metadata(), token, token_type_hint))

    def start_device_authorization(self, *, scope: Scope = None) -> DeviceAuthorization:
        """Begin the device flow (RFC 8628 §3.1); show the user code, then poll."""
        return self._run(self._core.device_authorization_flow(self.metadata(), scope))

    def poll_device_token(
        self, authorization: DeviceAuthorization, *, cancel: threading.Event | None = None
    ) -> Token:
        """Poll until approved. Honours `interval` and slow_down; raises on expiry,
        denial, or DeviceFlowCancelled when `cancel` is set."""
        flow = self._core.device_poll_flow(self.metadata(), authorization)
        return self._run(flow, cancel)

    def authorization_request(
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
            self.metadata(),
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
    ) -> TokenSource:
        """A cached, self-refreshing token (client credentials unless `grant` says)."""
        from ._token_source import TokenSource

        return TokenSource(self, grant or ClientCredentials(), skew=skew, initial=initial)

    def token_verifier(
        self,
        *,
        audience: str | Sequence[str] | None,
        required_scopes: Iterable[str] = (),
        leeway: float = 30.0,
    ) -> TokenVerifier:
        """A verifier of this issuer's access tokens sharing this client's HTTP pool."""
        from ._verify import TokenVerifier

        return TokenVerifier(
            self.issuer,
            audience=audience,
            required_scopes=required_scopes,
            leeway=leeway,
            http_client=self._http,
        )

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
