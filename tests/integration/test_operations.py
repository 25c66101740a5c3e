"""Health, readiness, metrics, request ids and structured logs that never carry secrets."""

from __future__ import annotations

import json
import time

import httpx

from tests.integration.helpers import client_credentials_token, post_token
from tests.integration.test_token_exchange import ACCESS, exchange
from tests.support.live import TEST_MASTER_KEY, LiveServer


def test_health_and_readiness(live_server: LiveServer) -> None:
    assert httpx.get(f"{live_server.base_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{live_server.base_url}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok"}


def test_metrics_count_requests_and_tokens(live_server: LiveServer) -> None:
    client_credentials_token(live_server.issuer, live_server.m2m)
    text = httpx.get(f"{live_server.base_url}/metrics").text
    assert 'bastion_http_requests_total{endpoint="token",method="POST",status="200"}' in text
    assert 'bastion_tokens_issued_total{grant_type="client_credentials"}' in text
    assert "bastion_http_request_duration_seconds_bucket" in text


def test_metrics_count_oauth_errors(live_server: LiveServer) -> None:
    client_id, _secret = live_server.m2m
    refused = post_token(
        live_server.issuer, (client_id, "not-the-secret"), grant_type="client_credentials"
    )
    assert refused.status_code == 401
    text = httpx.get(f"{live_server.base_url}/metrics").text
    assert 'bastion_oauth_errors_total{error="invalid_client"}' in text


def test_request_ids_are_echoed_or_made_up(live_server: LiveServer) -> None:
    mine = httpx.get(f"{live_server.base_url}/healthz", headers={"x-request-id": "abc-123"})
    assert mine.headers["x-request-id"] == "abc-123"
    made = httpx.get(f"{live_server.base_url}/healthz", headers={"x-request-id": "bad id\t!"})
    assert made.headers["x-request-id"] != "bad id\t!"
    assert len(made.headers["x-request-id"]) == 16


def test_logs_are_json_with_request_ids_and_no_secrets(live_server: LiveServer) -> None:
    client_id, secret = live_server.m2m
    token = client_credentials_token(live_server.issuer, live_server.m2m)["access_token"]
    session = exchange(
        live_server.platform_issuer,
        live_server.m2m,
        client_credentials_token(live_server.platform_issuer, live_server.m2m)["access_token"],
        requested_token_type=ACCESS,
    ).json()["access_token"]
    httpx.post(
        f"{live_server.issuer}/token?client_secret={secret}",
        data={"grant_type": "client_credentials", "client_secret": secret, "client_id": client_id},
        headers={"x-request-id": "trace-me-42"},
    )
    time.sleep(0.3)
    log = live_server.log_text()
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert entries, log[:500]
    traced = [e for e in entries if e.get("request_id") == "trace-me-42"]
    assert traced and traced[0]["path"] == "/demo/token"
    assert all({"ts", "level", "logger", "msg"} <= e.keys() for e in entries)
    for secret_value in (secret, token, session, TEST_MASTER_KEY, token.split(".")[2]):
        assert secret_value not in log
