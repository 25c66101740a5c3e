"""The I/O-free core shared by `Client` and `AsyncClient`.

It holds the configuration and the discovery cache, builds every request, parses
every response and runs the multi-step protocols (discovery fallback, device
polling) as flows (see `_driver`). The twins only add the I/O.
"""

from __future__ import annotations

import base64
import hmac
import time
from collections.abc import Mapping
from typing import Literal
from urllib.parse import parse_qs, quote_plus, urlencode, urlsplit

from ._driver import Call, Flow, Wait, send
from ._errors import (
    AuthorizationPending,
    DeviceFlowExpired,
    NotFound,
    OAuthError,
    ProtocolError,
    SlowDown,
)
from ._grants import DeviceCode, Grant, Params, Scope, scope_value
from ._models import AuthorizationRequest, DeviceAuthorization, Introspection, ServerMetadata, Token
from ._pkce import code_challenge, generate_code_verifier, generate_state
from ._responses import (
    OAUTH_ERRORS,
    check_success,
    parse_device_authorization,
    parse_introspection,
    parse_metadata,
    parse_token,
)

AuthMethod = Literal["client_secret_basic", "client_secret_post", "none"]

VERSION = "0.1.0"
USER_AGENT = f"bastion-sdk-python/{VERSION}"
_JSON = "application/json"
_FORM = "application/x-www-form-urlencoded"
SLOW_DOWN_STEP = 5


class ClientCore:
    """Configuration, discovery cache, request building and response parsing."""

    def __init__(
        self,
        issuer: str,
        *,
        client_id: str | None,
        client_secret: str | None,
        auth_method: AuthMethod | None,
        discovery_ttl: float,
    ) -> None:
        if not issuer.startswith(("https://", "http://")):
            raise ValueError(f"the issuer must be an http(s) URL, not {issuer!r}")
        if auth_method in ("client_secret_basic", "client_secret_post") and not client_secret:
            raise ValueError(f"auth_method={auth_method!r} needs a client_secret")
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.auth_method = auth_method
        self.discovery_ttl = discovery_ttl
        self.clock = time.time
        self.monotonic = time.monotonic
        self._metadata: ServerMetadata | None = None
        self._metadata_until = 0.0

    # -- discovery -------------------------------------------------------------------

    def cached_metadata(self) -> ServerMetadata | None:
        if self._metadata is not None and self.monotonic() < self._metadata_until:
            return self._metadata
        return None

    def store_metadata(self, metadata: ServerMetadata) -> ServerMetadata:
        self._metadata = metadata
        self._metadata_until = self.monotonic() + self.discovery_ttl
        return metadata

    def discovery_flow(self) -> Flow[ServerMetadata]:
        """OpenID discovery, falling back to RFC 8414 metadata when it is absent."""
        headers = {"accept": _JSON, "user-agent": USER_AGENT}
        url = f"{self.issuer}/.well-known/openid-configuration"
        response = yield from send(Call("GET", url, headers))
        if response.status_code == 404:
            url = f"{self.issuer}/.well-known/oauth-authorization-server"
            response = yield from send(Call("GET", url, headers))
        try:
            return parse_metadata(response, self.issuer)
        except NotFound:
            raise ProtocolError(
                f"no discovery document under {self.issuer}; is the issuer URL right?",
                response=response,
            ) from None

    # -- client authentication (RFC 6749 §2.3.1) ---------------------------------------

    def resolve_auth_method(self, metadata: ServerMetadata) -> AuthMethod:
        if self.auth_method is not None:
            return self.auth_method
        if not self.client_secret:
            return "none"
        supported = metadata.token_endpoint_auth_methods_supported
        if (
            supported
            and "client_secret_basic" not in supported
            and ("client_secret_post" in supported)
        ):
            return "client_secret_post"
        return "client_secret_basic"

    def authenticated_call(self, metadata: ServerMetadata, url: str, params: Params) -> Call:
        """A form POST to `url` carrying the client's credentials."""
        headers = {"accept": _JSON, "content-type": _FORM, "user-agent": USER_AGENT}
        method = self.resolve_auth_method(metadata)
        body = list(params)
        if method == "client_secret_basic":
            assert self.client_id is not None and self.client_secret is not None
            pair = f"{quote_plus(self.client_id)}:{quote_plus(self.client_secret)}"
            headers["authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        elif self.client_id is not None:
            body.append(("client_id", self.client_id))
            if method == "client_secret_post" and self.client_secret is not None:
                body.append(("client_secret", self.client_secret))
        return Call("POST", url, headers, urlencode(body).encode("ascii"))

    @staticmethod
    def endpoint(metadata: ServerMetadata, name: str) -> str:
        value = getattr(metadata, name)
        if not isinstance(value, str):
            raise ProtocolError(
                f"the server at {metadata.issuer} does not advertise {name}; "
                "the feature is not enabled there"
            )
        return value

    # -- token endpoint ----------------------------------------------------------------

    def token_flow(self, metadata: ServerMetadata, grant: Grant) -> Flow[Token]:
        call = self.authenticated_call(metadata, metadata.token_endpoint, grant.token_params())
        response = yield from send(call)
        token = parse_token(response, now=self.clock())
        grant.update(token)
        return token

    def introspect_flow(
        self, metadata: ServerMetadata, token: str, hint: str | None
    ) -> Flow[Introspection]:
        params: Params = [("token", token)]
        if hint:
            params.append(("token_type_hint", hint))
        url = self.endpoint(metadata, "introspection_endpoint")
        response = yield from send(self.authenticated_call(metadata, url, params))
        return parse_introspection(response)

    def revoke_flow(self, metadata: ServerMetadata, token: str, hint: str | None) -> Flow[None]:
        params: Params = [("token", token)]
        if hint:
            params.append(("token_type_hint", hint))
        url = self.endpoint(metadata, "revocation_endpoint")
        response = yield from send(self.authenticated_call(metadata, url, params))
        check_success(response)
        return None

    # -- device authorization (RFC 8628) -------------------------------------------------

    def device_authorization_flow(
        self, metadata: ServerMetadata, scope: Scope
    ) -> Flow[DeviceAuthorization]:
        params: Params = []
        value = scope_value(scope)
        if value:
            params.append(("scope", value))
        url = self.endpoint(metadata, "device_authorization_endpoint")
        response = yield from send(self.authenticated_call(metadata, url, params))
        return parse_device_authorization(response, now=self.monotonic())

    def device_poll_flow(
        self, metadata: ServerMetadata, authorization: DeviceAuthorization
    ) -> Flow[Token]:
        """Poll every `interval` s, +5 s on slow_down, until a token, an error or expiry."""
        interval = float(authorization.interval)
        grant = DeviceCode(authorization.device_code)
        while True:
            if self.monotonic() + interval >= authorization.expires_at:
                raise DeviceFlowExpired(
                    f"the device code expired after {authorization.expires_in} s without "
                    "approval; start a new device authorization"
                )
            yield Wait(interval)
            try:
                return (yield from self.token_flow(metadata, grant))
            except AuthorizationPending:
                continue
            except SlowDown:
                interval += SLOW_DOWN_STEP

    # -- authorization code (RFC 6749 §4.1, RFC 7636, RFC 9207) ----------------------------

    def authorization_request(
        self,
        metadata: ServerMetadata,
        *,
        redirect_uri: str,
        scope: Scope,
        state: str | None,
        code_verifier: str | None,
        nonce: str | None,
        extra: Mapping[str, str] | None,
    ) -> AuthorizationRequest:
        if self.client_id is None:
            raise ValueError("an authorization request needs a client_id")
        url = self.endpoint(metadata, "authorization_endpoint")
        state = state or generate_state()
        verifier = code_verifier or generate_code_verifier()
        params: Params = [
            ("response_type", "code"),
            ("client_id", self.client_id),
            ("redirect_uri", redirect_uri),
            ("state", state),
            ("code_challenge", code_challenge(verifier)),
            ("code_challenge_method", "S256"),
        ]
        scopes = scope_value(scope)
        if scopes:
            params.append(("scope", scopes))
        if nonce is None and scopes and "openid" in scopes.split():
            nonce = generate_state()
        if nonce:
            params.append(("nonce", nonce))
        params.extend((extra or {}).items())
        separator = "&" if urlsplit(url).query else "?"
        return AuthorizationRequest(
            url=f"{url}{separator}{urlencode(params)}",
            state=state,
            code_verifier=verifier,
            nonce=nonce,
        )

    def parse_authorization_response(self, url: str, *, state: str) -> str:
        """The `code` from a redirect URL, after checking `state` and `iss` (RFC 9207)."""
        query = parse_qs(urlsplit(url).query, keep_blank_values=True)

        def single(name: str) -> str | None:
            values = query.get(name)
            if values is not None and len(values) != 1:
                raise ProtocolError(f"the authorization response repeats {name!r}")
            return values[0] if values else None

        got_state = single("state")
        if got_state is None or not hmac.compare_digest(got_state, state):
            raise ProtocolError("the authorization response's state does not match; reject it")
        issuer = single("iss")
        if issuer is not None and issuer.rstrip("/") != self.issuer:
            raise ProtocolError(
                f"the authorization response comes from issuer {issuer!r}, not {self.issuer!r}"
            )
        error = single("error")
        if error is not None:
            cls = OAUTH_ERRORS.get(error, OAuthError)
            raise cls(400, error, single("error_description"))
        code = single("code")
        if not code:
            raise ProtocolError("the authorization response carries neither code nor error")
        return code
