"""`bastion serve` on either HTTP stack (BASTION_SERVER) serves the same answers."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.integration.helpers import client_credentials_token, discovery
from tests.support.live import LiveServer


def test_granian_serves_with_several_workers(make_live_server: Callable[..., LiveServer]) -> None:
    server = make_live_server(BASTION_SERVER="granian", BASTION_WORKERS="2")
    assert discovery(server.issuer)["issuer"] == server.issuer
    token = client_credentials_token(server.issuer, server.m2m)
    assert token["token_type"] == "Bearer"
    missing = httpx.get(f"{server.base_url}/no-such-app/jwks")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    assert httpx.get(f"{server.base_url}/healthz").headers["x-request-id"]
