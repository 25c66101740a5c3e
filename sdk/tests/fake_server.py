"""A scripted authorization server on httpx.MockTransport, for unit tests.

It behaves like Bastion on the wire (discovery, JWKS, token endpoint with rotating
refresh tokens and reuse detection, introspection, revocation, device flow) and
records every request so that tests can count them.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import hashlib
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import httpx
from jwt_factory import ISSUER, RSA_KEY, SigningKey, b64, jwks, mint

CLIENT_ID = "app_test"
CLIENT_SECRET = "s3cr3t+/="  # characters that client_secret_basic must form-encode

Handler = Callable[[httpx.Request, dict[str, str]], httpx.Response | None]


def oauth_error(status: int, error: str, description: str = "") -> httpx.Response:
    body = {"error": error}
    if description:
        body["error_description"] = description
    return httpx.Response(status, json=body, headers={"cache-control": "no-store"})


class FakeAuthServer:
    def __init__(self, issuer: str = ISSUER, *, keys: tuple[SigningKey, ...] = (RSA_KEY,)) -> None:
        self.issuer = issuer
        self.keys = list(keys)
        self.signing_key = keys[0]
        self.calls: collections.Counter[str] = collections.Counter()
        self.requests: list[httpx.Request] = []
        self.token_lifetime: int | None = 3600
        self.delay = 0.0
        self.lock = threading.Lock()
        self.serial = itertools.count(1)
        self.jwks_status = 200
        self.jwks_down = False
        self.extra_jwks: list[dict[str, Any]] = []
        self.discovery_overrides: dict[str, Any] = {}
        self.oidc_discovery = True
        self.token_override: Handler | None = None
        self.family_of: dict[str, str] = {}  # every refresh token issued -> family
        self.live_refresh: set[str] = set()
        self.revoked_families: set[str] = set()
        self.codes: dict[str, tuple[str, str]] = {}  # code -> (challenge, redirect_uri)
        self.device_script: list[str | None] = []
        self.poll_times: list[float] = []
        self.clock: Callable[[], float] = time.monotonic
        self.revoked: list[str] = []

    # -- wiring ------------------------------------------------------------------------

    def path(self, request: httpx.Request) -> str:
        return request.url.path.removeprefix(httpx.URL(self.issuer).path)

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            if self.delay:
                time.sleep(self.delay)
            return self.handle(request)

        return httpx.MockTransport(handle)

    def async_transport(self) -> httpx.MockTransport:
        async def handle(request: httpx.Request) -> httpx.Response:
            if self.delay:
                await asyncio.sleep(self.delay)
            return self.handle(request)

        return httpx.MockTransport(handle)

    def url(self, path: str) -> str:
        return f"{self.issuer}{path}"

    # -- routing -----------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = self.path(request)
        with self.lock:
            self.calls[path] += 1
            self.requests.append(request)
        if path == "/.well-known/openid-configuration":
            return self.discovery() if self.oidc_discovery else httpx.Response(404)
        if path == "/.well-known/oauth-authorization-server":
            return self.discovery()
        if path == "/jwks":
            if self.jwks_down:
                raise httpx.ConnectError("connection refused", request=request)
            document = jwks(*self.keys)
            document["keys"] += self.extra_jwks
            return httpx.Response(self.jwks_status, json=document)
        form = dict(parse_qsl(request.content.decode()))
        client = self.authenticate(request, form)
        if client is None:
            return oauth_error(401, "invalid_client", "client authentication failed")
        if path == "/token":
            if self.token_override is not None:
                response = self.token_override(request, form)
                if response is not None:
                    return response
            return self.token(form)
        if path == "/token/introspection":
            return httpx.Response(200, json=self.introspect(form))
        if path == "/token/revocation":
            self.revoked.append(form["token"])
            return httpx.Response(200)
        if path == "/device/auth":
            return httpx.Response(200, json=self.device_authorization())
        return httpx.Response(404, json={"error": "not_found"})

    def discovery(self) -> httpx.Response:
        doc = {
            "issuer": self.issuer,
            "token_endpoint": self.url("/token"),
            "jwks_uri": self.url("/jwks"),
            "authorization_endpoint": self.url("/auth"),
            "device_authorization_endpoint": self.url("/device/auth"),
            "introspection_endpoint": self.url("/token/introspection"),
            "revocation_endpoint": self.url("/token/revocation"),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "grant_types_supported": ["client_credentials", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
        }
        doc.update(self.discovery_overrides)
        return httpx.Response(200, json=doc)

    def authenticate(self, request: httpx.Request, form: dict[str, str]) -> str | None:
        header = request.headers.get("authorization")
        if header is not None:
            scheme, _, value = header.partition(" ")
            if scheme != "Basic":
                return None
            user, _, password = base64.b64decode(value).decode().partition(":")
            user, password = unquote_plus(user), unquote_plus(password)
        else:
            user, password = form.get("client_id", ""), form.get("client_secret", "")
        ok = user == CLIENT_ID and password == CLIENT_SECRET
        return user if ok else None

    # -- token endpoint ----------------------------------------------------------------

    def issue(
        self, *, scope: str = "read", family: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        n = next(self.serial)
        body: dict[str, Any] = {
            "access_token": mint(self.signing_key, jti=f"at-{n}", scope=scope),
            "token_type": "Bearer",
            "scope": scope,
            **extra,
        }
        if self.token_lifetime is not None:
            body["expires_in"] = self.token_lifetime
        if family is not None:
            refresh = f"rt-{n}"
            self.family_of[refresh] = family
            self.live_refresh.add(refresh)
            body["refresh_token"] = refresh
        return body

    def token(self, form: dict[str, str]) -> httpx.Response:
        grant = form.get("grant_type")
        if grant == "client_credentials":
            return httpx.Response(200, json=self.issue(scope=form.get("scope", "read")))
        if grant == "refresh_token":
            return self.refresh(form["refresh_token"])
        if grant == "authorization_code":
            return self.redeem(form)
        if grant == "urn:ietf:params:oauth:grant-type:token-exchange":
            return httpx.Response(
                200,
                json=self.issue(
                    issued_token_type="urn:ietf:params:oauth:token-type:access_token",
                    scope=form.get("scope", "read"),
                ),
            )
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            self.poll_times.append(self.clock())
            outcome = self.device_script.pop(0) if self.device_script else None
            if outcome is None:
                return httpx.Response(200, json=self.issue())
            return oauth_error(400, outcome)
        return oauth_error(400, "unsupported_grant_type")

    def start_family(self) -> str:
        family = f"fam-{next(self.serial)}"
        refresh = f"rt-{next(self.serial)}"
        self.family_of[refresh] = family
        self.live_refresh.add(refresh)
        return refresh

    def refresh(self, token: str) -> httpx.Response:
        family = self.family_of.get(token)
        if family is None:
            return oauth_error(400, "invalid_grant", "unknown refresh token")
        if token not in self.live_refresh or family in self.revoked_families:
            # Reuse of a rotated token: revoke the whole family (reuse detection).
            self.revoked_families.add(family)
            return oauth_error(400, "invalid_grant", "refresh token reuse detected")
        self.live_refresh.discard(token)
        return httpx.Response(200, json=self.issue(family=family))

    def add_code(self, code: str, verifier: str, redirect_uri: str) -> None:
        digest = hashlib.sha256(verifier.encode()).digest()
        self.codes[code] = (b64(digest), redirect_uri)

    def redeem(self, form: dict[str, str]) -> httpx.Response:
        entry = self.codes.pop(form.get("code", ""), None)
        if entry is None:
            return oauth_error(400, "invalid_grant", "unknown code")
        challenge, redirect_uri = entry
        verifier = form.get("code_verifier", "")
        computed = b64(hashlib.sha256(verifier.encode()).digest())
        if computed != challenge or form.get("redirect_uri") != redirect_uri:
            return oauth_error(400, "invalid_grant", "PKCE verification failed")
        return httpx.Response(200, json=self.issue(family=f"fam-{next(self.serial)}"))

    def introspect(self, form: dict[str, str]) -> dict[str, Any]:
        token = form.get("token", "")
        if token.count(".") == 2 and token not in self.revoked:
            return {"active": True, "scope": "read", "client_id": CLIENT_ID, "aud": "api"}
        return {"active": False}

    def device_authorization(self) -> dict[str, Any]:
        return {
            "device_code": "dev-code-1",
            "user_code": "ABCD-EFGH",
            "verification_uri": "https://id.example.test/device",
            "verification_uri_complete": "https://id.example.test/device?user_code=ABCD-EFGH",
            "expires_in": 600,
            "interval": 5,
        }
