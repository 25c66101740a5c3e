"""Driving the hosted pages over plain HTTP (no browser): a person signing in, consenting,
approving a device. Forms are read from the served HTML, CSRF tokens included."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.support.live import LiveServer

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@dataclass
class Person:
    """One browser: its cookies persist across requests."""

    server: LiveServer
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.server.base_url, timeout=30)

    def authorize(self, issuer: str | None = None, **params: str) -> httpx.Response:
        url = f"{issuer or self.server.issuer}/auth"
        return self.http.get(url, params=params)

    def submit(self, path: str, **form: str) -> httpx.Response:
        """GET a page, then POST its form with the page's CSRF token."""
        page = self.http.get(path)
        assert page.status_code == 200, page.text
        return self.http.post(path, data={"csrf": csrf_of(page.text), **form})

    def sign_in(self, login_path: str, identifier: str, password: str) -> httpx.Response:
        return self.submit(login_path, identifier=identifier, password=password)

    def consent(self, response: httpx.Response, decision: str = "allow") -> httpx.Response:
        """Follow a redirect to the consent page (if that is where it goes) and decide."""
        location = response.headers["location"]
        if not location.endswith("/consent"):
            return response
        return self.submit(location, decision=decision)


@dataclass
class CodeFlow:
    """An authorization request of the demo public client, with PKCE and a nonce."""

    server: LiveServer
    scope: str = "openid profile email offline_access"
    verifier: str = ""
    params: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.verifier, challenge = pkce_pair()
        self.params = {
            "client_id": self.client_id,
            "redirect_uri": self.server.bootstrap["redirect_uri"],
            "response_type": "code",
            "scope": self.scope,
            "state": secrets.token_urlsafe(12),
            "nonce": secrets.token_urlsafe(12),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }

    @property
    def client_id(self) -> str:
        return str(self.server.bootstrap["public_client_id"])

    def redeem(self, code: str, **overrides: str) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.params["redirect_uri"],
            "client_id": self.client_id,
            "code_verifier": self.verifier,
            **overrides,
        }
        return httpx.post(f"{self.server.issuer}/token", data={k: v for k, v in form.items() if v})


def demo_login(server: LiveServer) -> tuple[str, str]:
    return str(server.bootstrap["demo_user"]), str(server.bootstrap["demo_password"])


def obtain_code(
    server: LiveServer, person: Person | None = None, **extra: str
) -> tuple[CodeFlow, dict[str, str], Person]:
    """Sign the demo user in through the pages; returns the flow and the callback query."""
    person = person or Person(server)
    flow = CodeFlow(server)
    flow.params.update(extra)
    first = person.authorize(**flow.params)
    assert first.status_code == 303, first.text
    location = first.headers["location"]
    if location.startswith("/login/"):
        signed = person.sign_in(location, *demo_login(server))
        assert signed.status_code == 303, signed.text
        done = person.consent(signed)
        location = done.headers["location"]
    callback = query_of(location)
    assert location.startswith(flow.params["redirect_uri"])
    return flow, callback, person


def tokens_for_demo(server: LiveServer) -> tuple[CodeFlow, dict[str, Any], Person]:
    flow, callback, person = obtain_code(server)
    response = flow.redeem(callback["code"])
    assert response.status_code == 200, response.text
    return flow, response.json(), person


def refresh(server: LiveServer, flow: CodeFlow, token: str, **extra: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": flow.client_id}
    return httpx.post(f"{server.issuer}/token", data={**form, **extra})


def userinfo_status(server: LiveServer, access_token: str) -> int:
    headers = {"authorization": f"Bearer {access_token}"}
    return httpx.get(f"{server.issuer}/me", headers=headers).status_code
