"""Bad input gets a clear 4xx and changes nothing; no request produces a 500."""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Callable

import httpx
import pytest

from tests.integration.helpers import client_credentials_token, post_token
from tests.support.live import LiveServer

FORM = "application/x-www-form-urlencoded"


def b64(data: dict[str, object] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def hostile_tokens(server: LiveServer) -> dict[str, str]:
    good = client_credentials_token(server.issuer, server.m2m)["access_token"]
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    now = int(time.time())
    return {
        "alg-none": f"{b64({'alg': 'none', 'typ': 'at+jwt'})}.{payload}.",
        "alg-none-signed": f"{b64({'alg': 'none', 'typ': 'at+jwt'})}.{payload}.{signature}",
        "hs256": f"{b64({'alg': 'HS256', 'typ': 'at+jwt', 'kid': 'x'})}.{payload}.{signature}",
        "tampered": f"{header}.{b64({**claims, 'scope': 'users:write'})}.{signature}",
        "expired": f"{header}.{b64({**claims, 'exp': now - 100})}.{signature}",
        "wrong-issuer": f"{header}.{b64({**claims, 'iss': server.issuer + '/'})}.{signature}",
        "truncated": good[:-10],
        "two-parts": f"{header}.{payload}",
        "bad-base64": f"{header}.!!!.{signature}",
    }


def test_hostile_tokens_are_inactive_and_cannot_be_exchanged(live_server: LiveServer) -> None:
    for name, token in hostile_tokens(live_server).items():
        body = httpx.post(
            f"{live_server.issuer}/token/introspection", data={"token": token}, auth=live_server.m2m
        ).json()
        assert body == {"active": False}, name
        exchanged = post_token(
            live_server.issuer,
            live_server.m2m,
            grant_type="urn:ietf:params:oauth:grant-type:token-exchange",
            subject_token=token,
            subject_token_type="urn:ietf:params:oauth:token-type:access_token",
        )
        assert exchanged.status_code == 400, name
        assert exchanged.json()["error"] == "invalid_grant", name


def test_oversized_bodies_get_413(live_server: LiveServer) -> None:
    big = "a" * 70_000
    declared = httpx.post(
        f"{live_server.issuer}/token",
        content=f"grant_type=client_credentials&x={big}",
        headers={"content-type": FORM},
        auth=live_server.m2m,
    )
    assert declared.status_code == 413
    assert declared.json()["error"] == "invalid_request"

    def chunks() -> object:
        for _ in range(20):
            yield b"x=" + b"a" * 8192 + b"&"

    streamed = httpx.post(
        f"{live_server.issuer}/token",
        content=chunks(),  # type: ignore[arg-type]
        headers={"content-type": FORM},
        auth=live_server.m2m,
    )
    assert streamed.status_code == 413


def test_duplicate_parameters_are_invalid_request(live_server: LiveServer) -> None:
    response = httpx.post(
        f"{live_server.issuer}/token",
        content="grant_type=client_credentials&scope=a&scope=b",
        headers={"content-type": FORM},
        auth=live_server.m2m,
    )
    assert response.status_code == 400
    assert "more than once" in response.json()["error_description"]


ENDPOINTS = ["/token", "/token/introspection", "/token/revocation"]

MALFORMED: list[tuple[str, dict[str, str], bytes]] = [
    ("json body", {"content-type": "application/json"}, b'{"grant_type":"client_credentials"}'),
    ("no content type", {}, b"grant_type=client_credentials"),
    ("latin-1 charset", {"content-type": FORM + "; charset=latin-1"}, b"grant_type=x"),
    ("invalid utf-8", {"content-type": FORM}, b"grant_type=\xff\xfe&token=%ff"),
    ("percent garbage", {"content-type": FORM}, b"grant_type=%zz%&token=%"),
    ("too many fields", {"content-type": FORM}, b"&".join(b"f%d=1" % i for i in range(500))),
    ("empty", {"content-type": FORM}, b""),
    ("nul bytes", {"content-type": FORM}, b"grant_type=client_credentials%00&token=a%00b"),
    ("bad basic", {"content-type": FORM, "authorization": "Basic !!!"}, b"token=x"),
    ("basic no colon", {"content-type": FORM, "authorization": "Basic " + b64(b"abc")}, b"a=1"),
    ("basic bad utf8", {"content-type": FORM, "authorization": "Basic " + b64(b"\xff:\xfe")}, b""),
    ("huge value", {"content-type": FORM}, b"token=" + b"a" * 9000),
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(("name", "headers", "body"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_requests_get_a_json_4xx(
    live_server: LiveServer, endpoint: str, name: str, headers: dict[str, str], body: bytes
) -> None:
    for issuer in (live_server.issuer, live_server.platform_issuer):
        try:
            response = httpx.post(f"{issuer}{endpoint}", content=body, headers=headers)
        except httpx.RemoteProtocolError:
            continue  # the HTTP parser refused the request outright: also not a 500
        assert 400 <= response.status_code < 500, (name, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/json"), name
        assert isinstance(response.json()["error"], str), name


def test_every_route_survives_a_battery_of_odd_requests(live_server: LiveServer) -> None:
    paths = [
        "/demo/.well-known/openid-configuration",
        "/demo/jwks",
        "/demo/token",
        "/demo/token/introspection",
        "/demo/token/revocation",
        "/api/v1/oidc/.well-known/openid-configuration",
        "/api/v1/oidc/jwks",
        "/api/v1/oidc/token",
        "/.well-known/oauth-authorization-server/demo",
        "/healthz",
        "/readyz",
        "/metrics",
        "/%ff%fe/token",
        "/demo/%00",
        "/" + "a" * 3000,
        "/demo//token",
        "/../etc/passwd",
        "/api/v1/oidc/../../demo/token",
        "/DEMO/token",
        "/demo/token/",
    ]
    methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
    with httpx.Client(base_url=live_server.base_url) as client:
        for path in paths:
            for method in methods:
                response = client.request(
                    method,
                    path,
                    content=b"%%%\x00",
                    headers={"content-type": FORM, "authorization": "Bearer x.y.z"},
                )
                assert response.status_code < 500, (method, path, response.status_code)


def raw_request(server: LiveServer, data: bytes) -> bytes:
    host, port = server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST /demo/token HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\ntoken=x",
        b"POST /demo/token HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\nab",
        b"POST /demo/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        b"GARBAGE\r\n\r\n",
    ],
    ids=["non-numeric-length", "short-body", "bad-chunk", "not-http"],
)
def test_broken_http_never_gets_a_500(live_server: LiveServer, request_bytes: bytes) -> None:
    answer = raw_request(live_server, request_bytes)
    status_line = answer.split(b"\r\n", 1)[0]
    assert not status_line.startswith(b"HTTP/1.1 5"), answer[:200]


def test_nothing_changed_after_the_battery(live_server: LiveServer) -> None:
    # The demo client still works and the issuers are intact.
    assert client_credentials_token(live_server.issuer, live_server.m2m)["access_token"]
    assert httpx.get(f"{live_server.base_url}/readyz").status_code == 200


def test_failed_client_authentication_is_rate_limited(
    make_live_server: Callable[..., LiveServer],
) -> None:
    server = make_live_server(BASTION_CLIENT_AUTH_FAILURE_LIMIT="5")
    client_id, secret = server.m2m
    for _ in range(5):
        bad = post_token(server.issuer, (client_id, "wrong"), grant_type="client_credentials")
        assert bad.status_code == 401
    limited = post_token(server.issuer, (client_id, "wrong"), grant_type="client_credentials")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"] == "too_many_requests"
    # While locked, even the right secret is refused (the guesser learns nothing).
    locked = post_token(server.issuer, (client_id, secret), grant_type="client_credentials")
    assert locked.status_code == 429


def test_hosted_page_forms_have_the_same_body_limit(live_server: LiveServer) -> None:
    huge = httpx.post(
        f"{live_server.base_url}/oidc/device",
        content=b"user_code=" + b"A" * 200_000,
        headers={"content-type": FORM},
    )
    assert huge.status_code == 413
    assert huge.headers["content-type"].startswith("text/html")
    garbled = httpx.post(
        f"{live_server.base_url}/oidc/device",
        content=b"user_code=%ff%fe",
        headers={"content-type": FORM},
    )
    assert garbled.status_code == 400
    logout = httpx.post(
        f"{live_server.issuer}/session/end",
        content=b"state=" + b"s" * 200_000,
        headers={"content-type": FORM},
    )
    assert logout.status_code == 413
