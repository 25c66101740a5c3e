"""The hosted pages in headless Chromium: they render like a product's pages, work with
JavaScript turned off, and carry a person through sign-in, sign-up and the device flow."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from playwright.sync_api import Browser, BrowserContext

from tests.integration.browser.pages import BrowserClient, browser_client, sign_in
from tests.integration.flows import pkce_pair
from tests.support.live import LiveServer
from tests.support.smtp import code_in_text

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
BRAND_BLUE = "rgb(43, 89, 195)"


def authorize_url(server: LiveServer, client: BrowserClient, **extra: str) -> str:
    _, challenge = pkce_pair()
    params = {
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uri,
        "response_type": "code",
        "scope": "openid profile email",
        "state": "page-test",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return f"{server.issuer}/auth?" + str(httpx.QueryParams(params))


def no_script(chromium: Browser) -> BrowserContext:
    return chromium.new_context(java_script_enabled=False, viewport={"width": 1000, "height": 760})


def test_sign_in_page_renders(live_server: LiveServer, chromium: Browser) -> None:
    context = no_script(chromium)
    with browser_client(live_server) as client:
        page = context.new_page()
        page.goto(authorize_url(live_server, client))
        assert page.title() == "Sign in to Demo app"
        assert page.locator("h1").inner_text() == "Sign in"
        for selector in ("#identifier", "#password", "button[type=submit]"):
            assert page.locator(selector).is_visible()
        button = page.locator("button[type=submit]")
        assert button.evaluate("b => getComputedStyle(b).backgroundColor") == BRAND_BLUE
        box = page.locator("main").bounding_box()
        assert box is not None and 300 < box["width"] <= 420 and box["height"] > 250
        ARTIFACTS.mkdir(exist_ok=True)
        shot = page.screenshot(path=str(ARTIFACTS / "sign-in.png"), full_page=True)
        blank = context.new_page()
        blank.set_content("<html><body></body></html>")
        assert len(shot) > 2 * len(blank.screenshot()) and shot[:8] == b"\x89PNG\r\n\x1a\n"
    context.close()


def test_sign_in_and_consent_without_javascript(live_server: LiveServer, chromium: Browser) -> None:
    context = no_script(chromium)
    with browser_client(live_server) as client:
        page = context.new_page()
        page.goto(authorize_url(live_server, client, prompt="consent"))
        sign_in(page, live_server)
        page.wait_for_url("**/consent")
        assert "wants to access your account" in page.locator("h1").inner_text()
        assert "See your email address" in page.locator("ul.scopes").inner_text()
        page.click("button[value=allow]")
        page.wait_for_url(client.redirect_uri + "?**")
        result = parse_qs(urlsplit(client.last_callback()).query)
        assert result["state"] == ["page-test"] and result["iss"] == [live_server.issuer]
        assert result["code"][0].startswith("bas_ac_")
        cookies = {c["name"]: c for c in context.cookies()}
        session = next(c for name, c in cookies.items() if name.startswith("bastion_session_"))
        assert session["httpOnly"] and session["sameSite"] == "Lax"
    context.close()


def test_wrong_password_shows_one_message(live_server: LiveServer, chromium: Browser) -> None:
    context = no_script(chromium)
    with browser_client(live_server) as client:
        page = context.new_page()
        page.goto(authorize_url(live_server, client))
        page.fill("#identifier", "demo")
        page.fill("#password", "not it at all")
        page.click("button[type=submit]")
        assert "do not match" in page.locator(".alert.error").inner_text()
        assert page.locator("#identifier").input_value() == "demo"
    context.close()


def test_tampered_csrf_token_is_refused(live_server: LiveServer, chromium: Browser) -> None:
    context = chromium.new_context()
    with browser_client(live_server) as client:
        page = context.new_page()
        page.goto(authorize_url(live_server, client))
        page.evaluate("document.querySelector('input[name=csrf]').value = 'forged'")
        sign_in(page, live_server)
        assert "did not come from this site" in page.locator(".alert.error").inner_text()
    context.close()


def test_sign_up_in_the_browser(live_server: LiveServer, chromium: Browser) -> None:
    email = f"browser-{int(time.time() * 1000)}@example.com"
    context = no_script(chromium)
    with browser_client(live_server) as client:
        page = context.new_page()
        page.goto(authorize_url(live_server, client))
        page.click("text=Create an account")
        page.fill("#email", email)
        page.fill("#name", "Grace")
        page.fill("#password", "a long enough password")
        page.click("button[type=submit]")
        assert page.locator("h1").inner_text() == "Check your email"
        page.fill("#code", outbox_code(live_server, email))
        page.click("button[type=submit]")
        page.wait_for_url("**/consent")
        page.click("button[value=allow]")
        page.wait_for_url(client.redirect_uri + "?**")
        assert "code" in parse_qs(urlsplit(client.last_callback()).query)
    context.close()


def test_device_flow_end_to_end(live_server: LiveServer, chromium: Browser) -> None:
    """Poll, approve in the browser page, poll succeeds (RFC 8628)."""
    with browser_client(live_server) as client:
        started = httpx.post(
            f"{live_server.issuer}/device/auth",
            data={"client_id": client.client_id, "scope": "openid sign:job"},
        ).json()
        form = {
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": started["device_code"],
            "client_id": client.client_id,
        }
        pending = httpx.post(f"{live_server.issuer}/token", data=form)
        assert pending.json()["error"] == "authorization_pending"
        context = no_script(chromium)
        page = context.new_page()
        page.goto(started["verification_uri_complete"])
        assert page.locator("#user_code").input_value() == started["user_code"]
        page.click("button[type=submit]")
        sign_in(page, live_server)
        page.wait_for_url("**/consent")
        assert page.locator(".usercode").inner_text() == started["user_code"]
        page.click("button[value=allow]")
        assert page.locator("h1").inner_text() == "All done"
        context.close()
        time.sleep(started["interval"] + 0.1)
        granted = httpx.post(f"{live_server.issuer}/token", data=form)
        assert granted.status_code == 200, granted.text
        assert granted.json()["scope"] == "openid sign:job"


def outbox_code(server: LiveServer, email: str) -> str:
    for _ in range(50):
        messages: list[dict[str, Any]] = server.cli_json("mail", "outbox", "--json")
        for message in messages:
            if message["to"] == email:
                return code_in_text(str(message["body"]))
        time.sleep(0.2)
    raise AssertionError(f"no mail to {email} in the outbox")
