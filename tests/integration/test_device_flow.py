"""The device authorization grant (RFC 8628) end to end over HTTP: polling answers, approval
on the hosted page and by token exchange (the builder contract's Option B), refusal, expiry."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx

from tests.integration.flows import Person, demo_login, tokens_for_demo
from tests.support.live import LiveServer

GROUPED = re.compile(r"^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def start(server: LiveServer, issuer: str | None = None, scope: str = "openid sign:job") -> Any:
    response = httpx.post(
        f"{issuer or server.issuer}/device/auth",
        data={"client_id": server.bootstrap["public_client_id"], "scope": scope},
    )
    assert response.status_code == 200, response.text
    return response.json()


def poll(server: LiveServer, device_code: str, issuer: str | None = None) -> httpx.Response:
    return httpx.post(
        f"{issuer or server.issuer}/token",
        data={
            "grant_type": DEVICE_GRANT,
            "device_code": device_code,
            "client_id": server.bootstrap["public_client_id"],
        },
    )


def assert_oauth_error(response: httpx.Response, error: str) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    assert "www-authenticate" not in response.headers
    assert response.json()["error"] == error


def approve_on_page(server: LiveServer, typed: str, decision: str = "allow") -> httpx.Response:
    person = Person(server)
    entered = person.submit("/oidc/device", user_code=typed)
    assert entered.status_code == 303, entered.text
    signed = person.sign_in(entered.headers["location"], *demo_login(server))
    assert signed.headers["location"].endswith("/consent")
    return person.submit(signed.headers["location"], decision=decision)


def test_device_authorization_response(live_server: LiveServer) -> None:
    started = start(live_server)
    assert GROUPED.match(started["user_code"])
    assert started["verification_uri"] == f"{live_server.base_url}/oidc/device"
    complete = started["verification_uri_complete"]
    assert complete.startswith(started["verification_uri"] + "?user_code=")
    assert "client_id=app_" in complete
    assert started["interval"] == 1 and started["expires_in"] > 0
    assert started["device_code"].startswith("bas_dc_")


def test_poll_approve_on_the_page_then_tokens(live_server: LiveServer) -> None:
    started = start(live_server)
    assert_oauth_error(poll(live_server, started["device_code"]), "authorization_pending")
    typed = started["user_code"].replace("-", " ").lower()  # normalised to A-Z0-9
    done = approve_on_page(live_server, typed)
    assert done.status_code == 200 and "go back to your device" in done.text
    time.sleep(1.1)
    granted = poll(live_server, started["device_code"])
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert body["token_type"] == "Bearer" and "id_token" in body and "refresh_token" in body
    assert_oauth_error(poll(live_server, started["device_code"]), "invalid_grant")


def test_polling_too_fast_gets_slow_down(live_server: LiveServer) -> None:
    started = start(live_server)
    assert_oauth_error(poll(live_server, started["device_code"]), "authorization_pending")
    assert_oauth_error(poll(live_server, started["device_code"]), "slow_down")


def test_denied_on_the_page_is_access_denied(live_server: LiveServer) -> None:
    started = start(live_server)
    approve_on_page(live_server, started["user_code"], decision="deny")
    assert_oauth_error(poll(live_server, started["device_code"]), "access_denied")


def test_unknown_code_on_the_page(live_server: LiveServer) -> None:
    page = Person(live_server).submit("/oidc/device", user_code="BBBB-BBBB")
    assert page.status_code == 400 and "not valid" in page.text


def test_builder_option_b_approves_by_token_exchange(live_server: LiveServer) -> None:
    issuer = live_server.platform_issuer
    _, user, _ = tokens_for_demo(live_server)
    started = start(live_server, issuer)
    approval = httpx.post(
        f"{issuer}/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "subject_token": user["access_token"],
            "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "resource": "urn:pmth:device_code:" + re.sub(r"\W", "", started["user_code"]),
        },
        auth=live_server.m2m,
    )
    assert approval.status_code == 200, approval.text
    assert approval.json()["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    assert isinstance(approval.json()["expires_in"], int)
    time.sleep(1.1)
    granted = poll(live_server, started["device_code"], issuer)
    assert granted.status_code == 200, granted.text
    again = httpx.post(
        f"{issuer}/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "subject_token": user["access_token"],
            "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "resource": "urn:pmth:device_code:" + started["user_code"],
        },
        auth=live_server.m2m,
    )
    assert_oauth_error(again, "invalid_grant")


def test_expired_device_code(make_live_server: Any) -> None:
    server = make_live_server(BASTION_DEVICE_CODE_TTL="5")
    started = start(server)
    time.sleep(5.2)
    assert_oauth_error(poll(server, started["device_code"]), "expired_token")
