"""The client credentials grant: client authentication, scopes, audiences, RFC 9068 tokens."""

from __future__ import annotations

import base64
import time

import httpx
import jwt as pyjwt
import pytest

from tests.integration.helpers import client_credentials_token, post_token, verify_with_pyjwt
from tests.support.live import LiveServer


def test_basic_auth_issues_an_rfc9068_access_token(live_server: LiveServer) -> None:
    client_id, _ = live_server.m2m
    body = client_credentials_token(live_server.issuer, live_server.m2m)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "sign:job"  # the client's default scope
    header = pyjwt.get_unverified_header(body["access_token"])
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "RS256"
    claims = verify_with_pyjwt(body["access_token"], live_server.issuer, audience="demo")
    assert claims["iss"] == live_server.issuer
    assert claims["sub"] == client_id
    assert claims["client_id"] == client_id
    assert claims["scope"] == "sign:job"
    assert claims["exp"] - claims["iat"] == 3600
    assert abs(claims["iat"] - time.time()) < 30
    assert isinstance(claims["jti"], str) and len(claims["jti"]) >= 16


def test_token_response_is_not_cacheable(live_server: LiveServer) -> None:
    response = post_token(live_server.issuer, live_server.m2m, grant_type="client_credentials")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    assert response.headers["content-type"] == "application/json"


def test_client_secret_post(live_server: LiveServer) -> None:
    client_id, secret = live_server.m2m
    response = post_token(
        live_server.issuer,
        grant_type="client_credentials",
        client_id=client_id,
        client_secret=secret,
        scope="users:read users:write",
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "users:read users:write"


def test_basic_credentials_are_form_decoded_when_percent_encoded(live_server: LiveServer) -> None:
    client_id, secret = live_server.m2m
    encoded = "".join(f"%{b:02X}" for b in client_id.encode())
    header = base64.b64encode(f"{encoded}:{secret}".encode()).decode()
    response = httpx.post(
        f"{live_server.issuer}/token",
        data={"grant_type": "client_credentials"},
        headers={"authorization": f"Basic {header}"},
    )
    assert response.status_code == 200, response.text


def test_scope_outside_the_client_allowance_is_invalid_scope(live_server: LiveServer) -> None:
    response = post_token(
        live_server.issuer, live_server.m2m, grant_type="client_credentials", scope="admin"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_resource_indicator_sets_the_audience(live_server: LiveServer) -> None:
    body = client_credentials_token(
        live_server.platform_issuer, live_server.m2m, resource=live_server.platform_issuer
    )
    claims = verify_with_pyjwt(
        body["access_token"], live_server.platform_issuer, audience=live_server.platform_issuer
    )
    assert claims["aud"] == live_server.platform_issuer


def test_unregistered_audience_is_invalid_target(live_server: LiveServer) -> None:
    for field in ("resource", "audience"):
        response = post_token(
            live_server.issuer,
            live_server.m2m,
            grant_type="client_credentials",
            **{field: "https://elsewhere.example/api"},
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_target"
    fragment = post_token(
        live_server.issuer,
        live_server.m2m,
        grant_type="client_credentials",
        resource="https://x.example/#frag",
    )
    assert fragment.json()["error"] == "invalid_target"


def test_registered_audience_and_multiple_resources(live_server: LiveServer) -> None:
    created = live_server.cli_json(
        "clients",
        "create",
        "--app",
        "demo",
        "--name",
        "api caller",
        "--scope",
        "read",
        "--audience",
        "https://api.example/v1",
    )
    auth = (created["client_id"], created["client_secret"])
    body = client_credentials_token(
        live_server.issuer, auth, resource=["https://api.example/v1", live_server.issuer]
    )
    claims = pyjwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["aud"] == ["https://api.example/v1", live_server.issuer]
    assert claims["scope"] == "read"


@pytest.mark.parametrize(
    ("auth", "form"),
    [
        pytest.param(("m2m_doesnotexist00000000000", "bas_cs_x"), {}, id="unknown-client"),
        pytest.param(None, {"client_id": "m2m_doesnotexist0000"}, id="no-secret"),
        pytest.param(None, {}, id="no-credentials"),
    ],
)
def test_bad_credentials_are_invalid_client(
    live_server: LiveServer, auth: tuple[str, str] | None, form: dict[str, str]
) -> None:
    response = post_token(live_server.issuer, auth, grant_type="client_credentials", **form)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_wrong_secret_answers_exactly_like_an_unknown_client(live_server: LiveServer) -> None:
    client_id, _ = live_server.m2m
    wrong = post_token(
        live_server.issuer, (client_id, "bas_cs_wrong"), grant_type="client_credentials"
    )
    unknown = post_token(
        live_server.issuer,
        ("m2m_ffffffffffffffffffffffff", "bas_cs_wrong"),
        grant_type="client_credentials",
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content == unknown.content


def test_www_authenticate_on_app_issuers_but_not_on_the_platform(live_server: LiveServer) -> None:
    client_id, _ = live_server.m2m
    app = post_token(live_server.issuer, (client_id, "nope"), grant_type="client_credentials")
    platform = post_token(
        live_server.platform_issuer, (client_id, "nope"), grant_type="client_credentials"
    )
    assert app.headers["www-authenticate"] == f'Basic realm="{live_server.issuer}"'
    assert "www-authenticate" not in platform.headers  # builder contract, pymthouse-wire.md §1.2
    assert platform.json()["error"] == "invalid_client"


def test_two_authentication_methods_at_once_are_refused(live_server: LiveServer) -> None:
    client_id, secret = live_server.m2m
    response = post_token(
        live_server.issuer,
        live_server.m2m,
        grant_type="client_credentials",
        client_id=client_id,
        client_secret=secret,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_unknown_and_unallowed_grant_types(live_server: LiveServer) -> None:
    unknown = post_token(live_server.issuer, live_server.m2m, grant_type="password")
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "unsupported_grant_type"
    created = live_server.cli_json(
        "clients",
        "create",
        "--app",
        "demo",
        "--name",
        "exchange only",
        "--grant",
        "urn:ietf:params:oauth:grant-type:token-exchange",
    )
    refused = post_token(
        live_server.issuer,
        (created["client_id"], created["client_secret"]),
        grant_type="client_credentials",
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "unauthorized_client"


def test_client_of_one_app_is_unknown_at_another_apps_issuer(live_server: LiveServer) -> None:
    live_server.cli("apps", "create", "--workspace", "demo", "--slug", "other-app")
    other = live_server.cli_json(
        "clients", "create", "--app", "other-app", "--name", "other m2m", "--scope", "x"
    )
    auth = (other["client_id"], other["client_secret"])
    at_other = post_token(
        f"{live_server.base_url}/other-app", auth, grant_type="client_credentials"
    )
    at_demo = post_token(live_server.issuer, auth, grant_type="client_credentials")
    assert at_other.status_code == 200, at_other.text
    assert at_demo.status_code == 401
    assert (
        at_demo.json()
        == post_token(
            live_server.issuer,
            ("m2m_000000000000000000000000", "bas_cs_x"),
            grant_type="client_credentials",
        ).json()
    )


def test_the_platform_issuer_serves_every_apps_clients(live_server: LiveServer) -> None:
    body = client_credentials_token(live_server.platform_issuer, live_server.m2m)
    claims = verify_with_pyjwt(
        body["access_token"], live_server.platform_issuer, audience=live_server.platform_issuer
    )
    assert claims["iss"] == live_server.platform_issuer


def test_a_rotated_secret_stops_working_at_once(live_server: LiveServer) -> None:
    created = live_server.cli_json(
        "clients", "create", "--app", "demo", "--name", "rotating", "--scope", "x"
    )
    old = (created["client_id"], created["client_secret"])
    assert post_token(live_server.issuer, old, grant_type="client_credentials").status_code == 200
    rotated = live_server.cli_json(
        "clients", "rotate-secret", "--app", "demo", created["client_id"]
    )
    new = (created["client_id"], rotated["client_secret"])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the change feed reaches the server within its interval
        if post_token(live_server.issuer, old, grant_type="client_credentials").status_code == 401:
            break
        time.sleep(0.1)
    assert post_token(live_server.issuer, old, grant_type="client_credentials").status_code == 401
    assert post_token(live_server.issuer, new, grant_type="client_credentials").status_code == 200


def test_browser_apps_may_call_the_token_endpoint_cross_origin(live_server: LiveServer) -> None:
    origin = {"origin": "https://spa.example"}
    preflight = httpx.options(
        f"{live_server.issuer}/token",
        headers={
            **origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in preflight.headers
    answer = post_token(live_server.issuer, live_server.m2m, grant_type="client_credentials")
    assert "access-control-allow-origin" not in answer.headers  # no Origin, no CORS headers
    cross = httpx.post(
        f"{live_server.issuer}/token",
        data={"grant_type": "client_credentials"},
        auth=live_server.m2m,
        headers=origin,
    )
    assert cross.headers["access-control-allow-origin"] == "*"
    jwks = httpx.get(f"{live_server.issuer}/jwks", headers=origin)
    assert jwks.headers.get_list("access-control-allow-origin") == ["*"]
    # Introspection is for servers: no CORS.
    introspect = httpx.options(f"{live_server.issuer}/token/introspection", headers=origin)
    assert "access-control-allow-origin" not in introspect.headers
