"""An independent certified relying party, openid-client under Node.js 20 (installed from the
npm registry), completes authorization code + PKCE against a live Bastion, while the test
drives the hosted sign-in and consent pages in headless Chromium. The same RP then refreshes
(rotation), detects reuse, and rejects state and nonce that are not its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Browser

from tests.integration.browser.pages import BrowserClient, browser_client, sign_in
from tests.support.browser import RelyingParty
from tests.support.live import LiveServer


def test_openid_client_completes_code_flow_with_pkce(
    live_server: LiveServer, chromium: Browser, relying_party_dir: Path
) -> None:
    with browser_client(live_server) as client:
        done = run_relying_party(live_server, chromium, relying_party_dir, client)
    assert done["step"] == "done"
    results = done["results"]
    claims = results["claims"]
    assert claims["iss"] == live_server.issuer
    assert claims["aud"] == client.client_id
    assert claims["amr"] == ["pwd"] and "sid" in claims and "at_hash" in claims
    assert results["tokenType"] == "bearer"
    assert results["userinfo"]["sub"] == claims["sub"]
    assert results["userinfo"]["preferred_username"] == live_server.bootstrap["demo_user"]
    assert results["wrongState"]["ok"] is False and "state" in results["wrongState"]["message"]
    assert results["refreshed"] == {"rotated": True, "sub": claims["sub"]}
    for name in ("refreshReuse", "familyRevoked", "codeReplay"):
        assert results[name]["ok"] is False, name
        assert results[name]["error"] == "invalid_grant", name
    assert results["silentIss"] == live_server.issuer
    assert results["wrongNonce"]["ok"] is False and "nonce" in results["wrongNonce"]["message"]
    assert results["endSession"].startswith(f"{live_server.issuer}/session/end?")


def run_relying_party(
    server: LiveServer, chromium: Browser, directory: Path, client: BrowserClient
) -> dict[str, Any]:
    rp = RelyingParty(
        directory,
        {
            "issuer": server.issuer,
            "client_id": client.client_id,
            "redirect_uri": client.redirect_uri,
            "post_logout_redirect_uri": client.redirect_uri,
        },
    )
    context = chromium.new_context()
    try:
        page = context.new_page()
        first = rp.read()
        assert first["step"] == "authorize"
        query = parse_qs(urlsplit(first["url"]).query)
        assert query["code_challenge_method"] == ["S256"]
        page.goto(first["url"])
        assert "Sign in" in page.title()
        sign_in(page, server)
        page.wait_for_url("**/consent")
        page.click("button[value=allow]")
        page.wait_for_url(client.redirect_uri + "?**")
        rp.send(client.last_callback())
        second = rp.read()
        assert second["step"] == "authorize"
        page.goto(second["url"])
        page.wait_for_url(client.redirect_uri + "?**")
        rp.send(client.last_callback())
        return rp.read()
    finally:
        context.close()
        rp.close()
