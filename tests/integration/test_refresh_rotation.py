"""Refresh tokens: opaque, bound to the session, rotated on every use; presenting a rotated
token again revokes its whole family and the access tokens it issued (grace window 0 here)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.flows import refresh, tokens_for_demo, userinfo_status
from tests.support.live import LiveServer


def test_each_refresh_rotates_and_keeps_the_session(live_server: LiveServer) -> None:
    flow, first, _ = tokens_for_demo(live_server)
    second = refresh(live_server, flow, first["refresh_token"])
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["refresh_token"] != first["refresh_token"]
    assert body["refresh_token"].startswith("bas_rt_")
    assert set(body["scope"].split()) == set(first["scope"].split())
    assert "id_token" in body
    narrowed = refresh(live_server, flow, body["refresh_token"], scope="openid")
    assert narrowed.status_code == 200 and narrowed.json()["scope"] == "openid"
    widened = refresh(live_server, flow, narrowed.json()["refresh_token"], scope="openid admin")
    assert widened.status_code == 400 and widened.json()["error"] == "invalid_scope"


def test_reuse_of_a_rotated_token_revokes_the_family(live_server: LiveServer) -> None:
    flow, first, _ = tokens_for_demo(live_server)
    second = refresh(live_server, flow, first["refresh_token"]).json()
    third = refresh(live_server, flow, second["refresh_token"]).json()
    assert userinfo_status(live_server, third["access_token"]) == 200
    replay = refresh(live_server, flow, first["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # The newest token of the family died with it, and so did the access tokens it issued.
    latest = refresh(live_server, flow, third["refresh_token"])
    assert latest.status_code == 400 and latest.json()["error"] == "invalid_grant"
    assert userinfo_status(live_server, third["access_token"]) == 401
    assert userinfo_status(live_server, second["access_token"]) == 401


def test_refresh_tokens_belong_to_their_client(live_server: LiveServer) -> None:
    flow, tokens, _ = tokens_for_demo(live_server)
    client_id, secret = live_server.m2m
    stolen = httpx.post(
        f"{live_server.issuer}/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(client_id, secret),
    )
    assert stolen.status_code in (400, 401)
    assert stolen.json()["error"] in ("invalid_grant", "unauthorized_client")
    garbage = refresh(live_server, flow, "bas_rt_not-a-token")
    assert garbage.status_code == 400 and garbage.json()["error"] == "invalid_grant"


def test_grace_window_tolerates_a_concurrent_refresh(
    make_live_server: Any,
) -> None:
    server = make_live_server(BASTION_REFRESH_REUSE_GRACE="60")
    flow, first, _ = tokens_for_demo(server)
    a = refresh(server, flow, first["refresh_token"])
    b = refresh(server, flow, first["refresh_token"])
    assert a.status_code == b.status_code == 200
    assert a.json()["refresh_token"] != b.json()["refresh_token"]
    assert refresh(server, flow, b.json()["refresh_token"]).status_code == 200


def test_revoking_a_refresh_token_ends_its_family(live_server: LiveServer) -> None:
    flow, first, _ = tokens_for_demo(live_server)
    second = refresh(live_server, flow, first["refresh_token"]).json()
    introspect = f"{live_server.issuer}/token/introspection"
    revoke = f"{live_server.issuer}/token/revocation"
    # Introspection (by a confidential client of the same app) sees only the live link.
    live = httpx.post(introspect, data={"token": second["refresh_token"]}, auth=live_server.m2m)
    assert live.json()["active"] is True
    assert live.json()["client_id"] == flow.client_id
    rotated = httpx.post(introspect, data={"token": first["refresh_token"]}, auth=live_server.m2m)
    assert rotated.json() == {"active": False}
    # Another client cannot revoke it (RFC 7009 §2.1); the answer is still 200.
    other = httpx.post(revoke, data={"token": second["refresh_token"]}, auth=live_server.m2m)
    assert other.status_code == 200
    assert refresh(live_server, flow, second["refresh_token"]).status_code == 200
    # Start again, then the public client revokes its own refresh token.
    flow, tokens, _ = tokens_for_demo(live_server)
    response = httpx.post(
        revoke,
        data={
            "token": tokens["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": flow.client_id,
        },
    )
    assert response.status_code == 200
    assert refresh(live_server, flow, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert userinfo_status(live_server, tokens["access_token"]) == 401
    gone = httpx.post(introspect, data={"token": tokens["refresh_token"]}, auth=live_server.m2m)
    assert gone.json() == {"active": False}
