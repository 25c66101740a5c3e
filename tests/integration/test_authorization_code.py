"""Authorization code + PKCE through the hosted pages, ID tokens, userinfo, remembered
consent, prompt and max_age, and RP-initiated logout."""

from __future__ import annotations

import base64
import hashlib

import httpx
import jwt as pyjwt

from tests.integration.flows import (
    CodeFlow,
    Person,
    demo_login,
    obtain_code,
    query_of,
    refresh,
    tokens_for_demo,
    userinfo_status,
)
from tests.integration.helpers import discovery
from tests.support.live import LiveServer

INTERACTIVE_METADATA = {
    "response_types_supported": ["code"],
    "response_modes_supported": ["query"],
    "code_challenge_methods_supported": ["S256"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"],
    "authorization_response_iss_parameter_supported": True,
}


def verify_id_token(server: LiveServer, token: str, client_id: str) -> dict[str, object]:
    header = pyjwt.get_unverified_header(token)
    jwks = httpx.get(f"{server.issuer}/jwks").json()
    key = pyjwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    claims: dict[str, object] = pyjwt.decode(
        token, key=key.key, algorithms=["RS256"], audience=client_id, issuer=server.issuer
    )
    return claims


def test_discovery_lists_exactly_the_interactive_endpoints(live_server: LiveServer) -> None:
    for issuer in (live_server.issuer, live_server.platform_issuer):
        doc = discovery(issuer)
        for key, value in INTERACTIVE_METADATA.items():
            assert doc[key] == value, key
        assert doc["authorization_endpoint"] == f"{issuer}/auth"
        assert doc["userinfo_endpoint"] == f"{issuer}/me"
        assert doc["end_session_endpoint"] == f"{issuer}/session/end"
        assert doc["device_authorization_endpoint"] == f"{issuer}/device/auth"
        assert {"openid", "profile", "email", "offline_access"} <= set(doc["scopes_supported"])
        assert {"sub", "nonce", "at_hash", "sid", "auth_time", "amr", "email"} <= set(
            doc["claims_supported"]
        )
        assert "none" in doc["token_endpoint_auth_methods_supported"]
        assert "implicit" not in doc["grant_types_supported"]
        assert "password" not in doc["grant_types_supported"]


def test_code_flow_issues_tokens_an_independent_verifier_accepts(live_server: LiveServer) -> None:
    flow, callback, _ = obtain_code(live_server)
    assert callback["state"] == flow.params["state"]
    assert callback["iss"] == live_server.issuer
    response = flow.redeem(callback["code"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert set(body["scope"].split()) == set(flow.scope.split())
    assert body["refresh_token"].startswith("bas_rt_")
    claims = verify_id_token(live_server, body["id_token"], flow.client_id)
    assert claims["nonce"] == flow.params["nonce"]
    assert claims["amr"] == ["pwd"]
    assert isinstance(claims["auth_time"], int) and isinstance(claims["sid"], str)
    digest = hashlib.sha256(body["access_token"].encode()).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    access = pyjwt.decode(body["access_token"], options={"verify_signature": False})
    assert access["sid"] == claims["sid"] and access["sub"] == claims["sub"]
    assert pyjwt.get_unverified_header(body["access_token"])["typ"] == "at+jwt"


def test_userinfo_releases_claims_by_scope(live_server: LiveServer) -> None:
    _, tokens, _ = tokens_for_demo(live_server)
    bearer = {"authorization": f"Bearer {tokens['access_token']}"}
    info = httpx.get(f"{live_server.issuer}/me", headers=bearer)
    assert info.status_code == 200, info.text
    body = info.json()
    assert body["preferred_username"] == "demo"
    assert body["email"] == "demo@example.com" and body["email_verified"] is True
    posted = httpx.post(f"{live_server.issuer}/me", data={"access_token": tokens["access_token"]})
    assert posted.json() == body
    missing = httpx.get(f"{live_server.issuer}/me")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    forged = httpx.get(
        f"{live_server.issuer}/me", headers={"authorization": "Bearer " + tokens["id_token"]}
    )
    assert forged.status_code == 401


def test_consent_is_remembered_and_prompts_are_honoured(live_server: LiveServer) -> None:
    _, _, person = obtain_code(live_server)
    again = CodeFlow(live_server)
    silent = person.authorize(**again.params)
    assert silent.status_code == 303
    assert silent.headers["location"].startswith(again.params["redirect_uri"])
    assert "code" in query_of(silent.headers["location"])
    for prompt in ("login", "consent"):
        forced = person.authorize(**{**CodeFlow(live_server).params, "prompt": prompt})
        expected = "/consent" if prompt == "consent" else ""
        location = forced.headers["location"]
        assert location.startswith("/login/") and location.endswith(expected), location
    aged = person.authorize(**{**CodeFlow(live_server).params, "max_age": "0"})
    assert aged.headers["location"].startswith("/login/")


def test_prompt_none_without_a_session_returns_login_required(live_server: LiveServer) -> None:
    flow = CodeFlow(live_server)
    response = Person(live_server).authorize(**{**flow.params, "prompt": "none"})
    assert response.status_code == 303
    result = query_of(response.headers["location"])
    assert result["error"] == "login_required"
    assert result["state"] == flow.params["state"]
    assert result["iss"] == live_server.issuer


def test_denied_consent_returns_access_denied(live_server: LiveServer) -> None:
    person = Person(live_server)
    flow = CodeFlow(live_server)
    login = person.authorize(**flow.params, prompt="consent").headers["location"]
    signed = person.sign_in(login, *demo_login(live_server))
    denied = person.consent(signed, decision="deny")
    result = query_of(denied.headers["location"])
    assert result["error"] == "access_denied" and result["state"] == flow.params["state"]


def test_logout_ends_the_session_and_its_refresh_tokens(live_server: LiveServer) -> None:
    flow, tokens, person = tokens_for_demo(live_server)
    out = person.http.get(
        f"{live_server.issuer}/session/end",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "http://localhost:3000/",
            "state": "bye",
        },
    )
    assert out.status_code == 303
    assert out.headers["location"] == "http://localhost:3000/?state=bye"
    refreshed = refresh(live_server, flow, tokens["refresh_token"])
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    assert userinfo_status(live_server, tokens["access_token"]) == 401
    again = person.authorize(**{**CodeFlow(live_server).params, "prompt": "none"})
    assert query_of(again.headers["location"])["error"] == "login_required"


def test_logout_without_hint_asks_first(live_server: LiveServer) -> None:
    _, _, person = obtain_code(live_server)
    asked = person.http.get(f"{live_server.issuer}/session/end")
    assert asked.status_code == 200 and "Sign out?" in asked.text
    confirmed = person.submit(f"/{live_server.bootstrap['app']}/session/end", confirm="yes")
    assert confirmed.status_code == 200 and "signed out" in confirmed.text
    after = person.authorize(**{**CodeFlow(live_server).params, "prompt": "none"})
    assert query_of(after.headers["location"])["error"] == "login_required"


def test_platform_issuer_signs_in_the_apps_users(live_server: LiveServer) -> None:
    platform = live_server.platform_issuer
    person = Person(live_server)
    flow = CodeFlow(live_server)
    first = person.authorize(platform, **flow.params)
    signed = person.sign_in(first.headers["location"], *demo_login(live_server))
    callback = query_of(person.consent(signed).headers["location"])
    assert callback["iss"] == platform
    response = httpx.post(
        f"{platform}/token",
        data={
            "grant_type": "authorization_code",
            "code": callback["code"],
            "redirect_uri": flow.params["redirect_uri"],
            "client_id": flow.client_id,
            "code_verifier": flow.verifier,
        },
    )
    assert response.status_code == 200, response.text
    claims = pyjwt.decode(response.json()["id_token"], options={"verify_signature": False})
    assert claims["iss"] == platform
