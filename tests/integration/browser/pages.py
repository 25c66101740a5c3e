"""Filling Bastion's hosted pages in a real browser, for a client whose redirect URI is a
listener of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

from tests.support.browser import CallbackServer
from tests.support.live import LiveServer

SCOPES = ("openid", "profile", "email", "offline_access", "sign:job")
GRANTS = ("authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code")


@dataclass(frozen=True)
class BrowserClient:
    client_id: str
    callbacks: CallbackServer

    @property
    def redirect_uri(self) -> str:
        return self.callbacks.redirect_uri

    def last_callback(self) -> str:
        assert self.callbacks.urls, "the browser never came back to the client"
        return self.callbacks.urls[-1]


@contextmanager
def browser_client(server: LiveServer) -> Iterator[BrowserClient]:
    """A public client of the demo app (code, refresh, device) redirecting to 127.0.0.1."""
    callbacks = CallbackServer()
    args: list[str] = ["clients", "create", "--app", str(server.bootstrap["app"])]
    args += ["--name", "Browser test client", "--public"]
    for grant in GRANTS:
        args += ["--grant", grant]
    for scope in SCOPES:
        args += ["--scope", scope]
    args += ["--redirect-uri", callbacks.redirect_uri]
    created: dict[str, Any] = server.cli_json(*args)
    try:
        yield BrowserClient(str(created["client_id"]), callbacks)
    finally:
        callbacks.close()


def sign_in(page: Page, server: LiveServer) -> None:
    page.fill("#identifier", str(server.bootstrap["demo_user"]))
    page.fill("#password", str(server.bootstrap["demo_password"]))
    page.click("button[type=submit]")
