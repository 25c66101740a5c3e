"""Introspection (RFC 7662) and revocation (RFC 7009) of JWT and opaque tokens."""

from __future__ import annotations

import base64
import json

import httpx

from tests.integration.helpers import client_credentials_token
from tests.integration.test_token_exchange import ACCESS, exchange
from tests.support.live import LiveServer


def introspect(base: str, token: str, auth: tuple[str, str]) -> dict[str, object]:
    response = httpx.post(f"{base}/token/introspection", data={"token": token}, auth=auth)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, object] = response.json()
    return body


def revoke(base: str, token: str, auth: tuple[str, str], **form: str) -> httpx.Response:
    return httpx.post(f"{base}/token/revocation", data={"token": token, **form}, auth=auth)


def test_jwt_is_active_until_revoked(live_server: LiveServer) -> None:
    token = client_credentials_token(live_server.issuer, live_server.m2m)["access_token"]
    body = introspect(live_server.issuer, token, live_server.m2m)
    assert body["active"] is True
    assert body["client_id"] == live_server.m2m[0]
    assert body["sub"] == live_server.m2m[0]
    assert body["scope"] == "sign:job"
    assert body["iss"] == live_server.issuer
    assert body["token_type"] == "Bearer"
    assert isinstance(body["exp"], int)
    response = revoke(live_server.issuer, token, live_server.m2m, token_type_hint="access_token")
    assert response.status_code == 200
    assert introspect(live_server.issuer, token, live_server.m2m) == {"active": False}


def test_opaque_signer_session_is_active_until_revoked(live_server: LiveServer) -> None:
    subject = client_credentials_token(live_server.platform_issuer, live_server.m2m)["access_token"]
    session = exchange(
        live_server.platform_issuer, live_server.m2m, subject, requested_token_type=ACCESS
    ).json()["access_token"]
    assert session.startswith("pmth_")
    body = introspect(live_server.platform_issuer, session, live_server.m2m)
    assert body["active"] is True
    assert body["scope"] == "sign:job"
    assert body["act"] == {"sub": live_server.m2m[0]}
    assert revoke(live_server.platform_issuer, session, live_server.m2m).status_code == 200
    assert introspect(live_server.platform_issuer, session, live_server.m2m) == {"active": False}


def test_unknown_malformed_and_foreign_tokens_are_simply_inactive(live_server: LiveServer) -> None:
    platform_token = client_credentials_token(live_server.platform_issuer, live_server.m2m)[
        "access_token"
    ]
    for token in ("nonsense", "pmth_" + "A" * 49, "eyJhbGciOiJub25lIn0.e30.", platform_token):
        assert introspect(live_server.issuer, token, live_server.m2m) == {"active": False}


def test_tokens_of_another_app_are_inactive_for_its_clients(live_server: LiveServer) -> None:
    live_server.cli("apps", "create", "--workspace", "demo", "--slug", "introspect-other")
    other = live_server.cli_json(
        "clients", "create", "--app", "introspect-other", "--name", "o", "--scope", "x"
    )
    other_auth = (other["client_id"], other["client_secret"])
    demo_token = client_credentials_token(live_server.platform_issuer, live_server.m2m)[
        "access_token"
    ]
    assert introspect(live_server.platform_issuer, demo_token, other_auth) == {"active": False}
    # Revoking it from the other app changes nothing.
    assert revoke(live_server.platform_issuer, demo_token, other_auth).status_code == 200
    assert introspect(live_server.platform_issuer, demo_token, live_server.m2m)["active"] is True


def test_both_endpoints_require_client_authentication(live_server: LiveServer) -> None:
    token = client_credentials_token(live_server.issuer, live_server.m2m)["access_token"]
    no_auth = httpx.post(f"{live_server.issuer}/token/introspection", data={"token": token})
    assert no_auth.status_code == 401
    assert no_auth.json()["error"] == "invalid_client"
    wrong = revoke(live_server.issuer, token, (live_server.m2m[0], "bad"))
    assert wrong.status_code == 401
    missing = httpx.post(
        f"{live_server.issuer}/token/introspection", auth=live_server.m2m, data={"foo": "bar"}
    )
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"


def test_revocation_answers_200_for_anything(live_server: LiveServer) -> None:
    for token in ("never-issued", "pmth_unknown", "eyJhbGciOiJub25lIn0.e30."):
        response = revoke(live_server.issuer, token, live_server.m2m)
        assert response.status_code == 200
        assert response.content == b""


def test_a_revocation_on_one_node_is_seen_at_once_on_another(live_server: LiveServer) -> None:
    other_node = live_server.start_node()
    other_issuer = live_server.issuer.replace(live_server.base_url, other_node)
    token = client_credentials_token(live_server.issuer, live_server.m2m)["access_token"]
    # Both nodes serve the same issuer URL (the configured public URL); any node can answer.
    assert introspect(other_issuer, token, live_server.m2m)["active"] is True
    assert revoke(live_server.issuer, token, live_server.m2m).status_code == 200
    assert introspect(other_issuer, token, live_server.m2m) == {"active": False}


def test_a_token_is_revoked_on_its_jti_tag_from_any_node(live_server: LiveServer) -> None:
    """Revocation trusts the jti's tag (issuer, client and expiry, under a key every node
    derives from the master key) in place of the signature; any other change needs a valid
    signature again."""
    other_node = live_server.start_node()
    other_issuer = live_server.issuer.replace(live_server.base_url, other_node)
    minted_elsewhere = client_credentials_token(other_issuer, live_server.m2m)["access_token"]
    spare = client_credentials_token(live_server.issuer, live_server.m2m)["access_token"]
    header, payload, _signature = minted_elsewhere.split(".")
    # The claims intact, the signature another token's.
    unsigned = f"{header}.{payload}.{spare.rsplit('.', 1)[1]}"
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] += 60
    altered = f"{header}.{b64(json.dumps(claims).encode())}.{minted_elsewhere.rsplit('.', 1)[1]}"
    assert revoke(live_server.issuer, altered, live_server.m2m).status_code == 200
    assert introspect(live_server.issuer, minted_elsewhere, live_server.m2m)["active"] is True
    assert revoke(live_server.issuer, unsigned, live_server.m2m).status_code == 200
    assert introspect(other_issuer, minted_elsewhere, live_server.m2m) == {"active": False}
    assert introspect(live_server.issuer, spare, live_server.m2m)["active"] is True


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
