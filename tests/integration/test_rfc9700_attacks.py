"""A battery of attacks from RFC 9700 (OAuth 2.0 Security Best Current Practice), each of
which must be refused: code replay and injection, redirect-URI tampering, missing or
downgraded PKCE, state and nonce replay, open redirects, CSRF and clickjacking of the pages."""

from __future__ import annotations

import httpx
import jwt as pyjwt
import pytest

from tests.integration.flows import (
    CodeFlow,
    Person,
    csrf_of,
    demo_login,
    obtain_code,
    pkce_pair,
    query_of,
    refresh,
    userinfo_status,
)
from tests.support.live import LiveServer


def test_code_replay_is_refused_and_revokes_what_the_code_issued(live_server: LiveServer) -> None:
    """RFC 9700 §4.2.4, RFC 6749 §4.1.2."""
    flow, callback, _ = obtain_code(live_server)
    first = flow.redeem(callback["code"])
    assert first.status_code == 200
    tokens = first.json()
    assert userinfo_status(live_server, tokens["access_token"]) == 200
    replay = flow.redeem(callback["code"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert userinfo_status(live_server, tokens["access_token"]) == 401
    refreshed = refresh(live_server, flow, tokens["refresh_token"])
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "tampered",
    [
        "https://attacker.example/callback",
        "http://localhost:3000/callback/../steal",
        "http://localhost:3000/callback?next=https://attacker.example",
        "http://localhost:3000/Callback",
        "http://localhost:3000/callback/",
        "http://localhost:3000.attacker.example/callback",
    ],
)
def test_redirect_uri_tampering_never_redirects(live_server: LiveServer, tampered: str) -> None:
    """RFC 9700 §4.1: exact matching, and no redirect to an unverified URI."""
    flow = CodeFlow(live_server)
    response = Person(live_server).authorize(**{**flow.params, "redirect_uri": tampered})
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "text/html" in response.headers["content-type"]


def test_redirect_uri_must_match_at_the_token_endpoint(live_server: LiveServer) -> None:
    flow, callback, _ = obtain_code(live_server)
    wrong = flow.redeem(callback["code"], redirect_uri="http://localhost:3000/other")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_unknown_client_gets_an_error_page_not_a_redirect(live_server: LiveServer) -> None:
    flow = CodeFlow(live_server)
    response = Person(live_server).authorize(**{**flow.params, "client_id": "app_nope"})
    assert response.status_code == 400 and "location" not in response.headers


def test_missing_pkce_is_refused(live_server: LiveServer) -> None:
    """OAuth 2.1 §4.1.1, RFC 9700 §2.1.1: public clients must use PKCE."""
    flow = CodeFlow(live_server)
    params = {k: v for k, v in flow.params.items() if not k.startswith("code_challenge")}
    response = Person(live_server).authorize(**params)
    result = query_of(response.headers["location"])
    assert result["error"] == "invalid_request" and result["state"] == flow.params["state"]


def test_pkce_downgrade_to_plain_is_refused(live_server: LiveServer) -> None:
    flow = CodeFlow(live_server)
    verifier, _ = pkce_pair()
    params = {**flow.params, "code_challenge": verifier, "code_challenge_method": "plain"}
    result = query_of(Person(live_server).authorize(**params).headers["location"])
    assert result["error"] == "invalid_request"
    implicit = {k: v for k, v in params.items() if k != "code_challenge_method"}
    result = query_of(Person(live_server).authorize(**implicit).headers["location"])
    assert result["error"] == "invalid_request"


def test_wrong_or_missing_code_verifier_is_refused(live_server: LiveServer) -> None:
    flow, callback, _ = obtain_code(live_server)
    other, _ = pkce_pair()
    wrong = flow.redeem(callback["code"], code_verifier=other)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    missing = flow.redeem(callback["code"], code_verifier="")
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"
    assert flow.redeem(callback["code"]).status_code == 200  # the code was not burnt


def test_code_injection_into_another_client_is_refused(live_server: LiveServer) -> None:
    """RFC 9700 §4.5: a code is bound to the client it was issued to."""
    flow, callback, _ = obtain_code(live_server)
    response = httpx.post(
        f"{live_server.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": callback["code"],
            "redirect_uri": flow.params["redirect_uri"],
            "code_verifier": flow.verifier,
        },
        auth=live_server.m2m,
    )
    assert response.status_code in (400, 401)


def test_state_and_nonce_are_bound_to_one_response(live_server: LiveServer) -> None:
    """RFC 9700 §4.7 (CSRF via state) and OIDC nonce replay: each response echoes exactly
    its own request's values, and a code buys one ID token only."""
    person = Person(live_server)
    flow_a, callback_a, _ = obtain_code(live_server, person)
    flow_b, callback_b, _ = obtain_code(live_server, person)
    assert callback_a["state"] == flow_a.params["state"] != callback_b["state"]
    nonces = []
    for flow, callback in ((flow_a, callback_a), (flow_b, callback_b)):
        token = flow.redeem(callback["code"]).json()["id_token"]
        nonces.append(pyjwt.decode(token, options={"verify_signature": False})["nonce"])
        assert flow.redeem(callback["code"]).status_code == 400
    assert nonces == [flow_a.params["nonce"], flow_b.params["nonce"]]


def test_logout_is_not_an_open_redirector(live_server: LiveServer) -> None:
    client_id = str(live_server.bootstrap["public_client_id"])
    for params in (
        {"post_logout_redirect_uri": "https://attacker.example/"},
        {"post_logout_redirect_uri": "https://attacker.example/", "client_id": client_id},
        {"post_logout_redirect_uri": "http://localhost:3000/", "id_token_hint": "eyJ.x.y"},
    ):
        response = httpx.get(f"{live_server.issuer}/session/end", params=params)
        assert response.status_code == 400 and "location" not in response.headers


def test_forms_refuse_cross_site_requests(live_server: LiveServer) -> None:
    person = Person(live_server)
    login = person.authorize(**CodeFlow(live_server).params).headers["location"]
    page = person.http.get(login)
    user, password = demo_login(live_server)
    no_token = person.http.post(login, data={"identifier": user, "password": password})
    assert no_token.status_code == 403
    foreign = person.http.post(
        login,
        data={"csrf": csrf_of(page.text), "identifier": user, "password": password},
        headers={"origin": "https://attacker.example"},
    )
    assert foreign.status_code == 403
    # Another browser can neither see nor use this browser's sign-in.
    stranger = Person(live_server)
    stranger.http.get("/oidc/device")  # gets its own browser cookie and token
    assert stranger.http.get(login).status_code == 404
    stolen = stranger.http.post(
        login, data={"csrf": csrf_of(page.text), "identifier": user, "password": password}
    )
    assert stolen.status_code in (403, 404)
    device = person.http.post("/oidc/device", data={"user_code": "BCDF-GHJK"})
    assert device.status_code == 403


def test_pages_cannot_be_framed(live_server: LiveServer) -> None:
    page = httpx.get(f"{live_server.base_url}/oidc/device")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_response_type_other_than_code_is_refused(live_server: LiveServer) -> None:
    for response_type in ("token", "id_token", "code id_token"):
        flow = CodeFlow(live_server)
        response = Person(live_server).authorize(**{**flow.params, "response_type": response_type})
        result = query_of(response.headers["location"])
        assert result["error"] == "unsupported_response_type"
        assert "access_token" not in response.headers["location"]


def test_repeated_parameters_are_refused(live_server: LiveServer) -> None:
    flow = CodeFlow(live_server)
    query = httpx.QueryParams(flow.params).add("redirect_uri", "https://attacker.example/")
    response = httpx.get(f"{live_server.issuer}/auth", params=query)
    assert response.status_code == 400 and "location" not in response.headers
