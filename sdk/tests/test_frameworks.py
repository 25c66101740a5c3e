"""The ASGI middleware and the FastAPI dependency (through the shipped example app)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_server import FakeAuthServer
from jwt_factory import AUDIENCE, mint

from bastion_sdk import AsyncTokenVerifier, BearerAuthMiddleware

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def verifier_for(server: FakeAuthServer) -> AsyncTokenVerifier:
    return AsyncTokenVerifier(server.issuer, audience=AUDIENCE, transport=server.async_transport())


async def echo_claims(scope: Any, receive: Any, send: Any) -> None:
    claims = scope.get("state", {}).get("access_token_claims")
    body = (claims.subject if claims else "anonymous").encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def asgi_client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test")


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_middleware_accepts_and_exposes_claims(server: FakeAuthServer) -> None:
    app = BearerAuthMiddleware(echo_claims, verifier_for(server))
    async with asgi_client(app) as http:
        response = await http.get("/", headers=bearer(mint()))
    assert (response.status_code, response.text) == (200, "user-123")


async def test_middleware_rejections(server: FakeAuthServer) -> None:
    app = BearerAuthMiddleware(
        echo_claims,
        verifier_for(server),
        required_scopes=["admin"],
        realm="api",
        exempt_paths=["/health"],
    )
    async with asgi_client(app) as http:
        missing = await http.get("/")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == 'Bearer realm="api"'
        bad = await http.get("/", headers=bearer(mint(typ="JWT")))
        assert bad.status_code == 401
        challenge = bad.headers["www-authenticate"]
        assert challenge.startswith('Bearer realm="api", error="invalid_token"')
        assert bad.json()["error"] == "invalid_token"
        scope = await http.get("/", headers=bearer(mint(scope="read")))
        assert scope.status_code == 403
        assert 'error="insufficient_scope", scope="admin"' in scope.headers["www-authenticate"]
        basic = await http.get("/", headers={"authorization": "Basic dXNlcjpwYXNz"})
        assert basic.status_code == 401
        assert (await http.get("/health")).text == "anonymous"


async def test_middleware_answers_503_when_keys_are_unreachable(server: FakeAuthServer) -> None:
    server.jwks_down = True
    app = BearerAuthMiddleware(echo_claims, verifier_for(server))
    async with asgi_client(app) as http:
        response = await http.get("/", headers=bearer(mint()))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "www-authenticate" not in response.headers


async def test_middleware_optional_mode(server: FakeAuthServer) -> None:
    app = BearerAuthMiddleware(echo_claims, verifier_for(server), optional=True)
    async with asgi_client(app) as http:
        assert (await http.get("/")).text == "anonymous"
        assert (await http.get("/", headers=bearer("garbage"))).status_code == 401


async def test_middleware_refuses_websockets_without_a_token(server: FakeAuthServer) -> None:
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    app = BearerAuthMiddleware(echo_claims, verifier_for(server))
    await app({"type": "websocket", "path": "/ws", "headers": []}, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": "invalid_request"}]


async def test_fastapi_example(server: FakeAuthServer) -> None:
    example = load_example("fastapi_resource_server")
    app = example.create_app(verifier_for(server))
    async with asgi_client(app) as http:
        assert (await http.get("/health")).json() == {"status": "ok"}
        ok = await http.get("/whoami", headers=bearer(mint(scope="read write")))
        assert ok.json() == {
            "sub": "user-123",
            "client_id": "app_test",
            "scopes": ["read", "write"],
        }
        missing = await http.get("/whoami")
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        expired = await http.get("/whoami", headers=bearer(mint(exp=1, iat=0)))
        assert expired.status_code == 401
        assert expired.json()["detail"]["error"] == "invalid_token"
        forbidden = await http.get("/admin", headers=bearer(mint(scope="read")))
        assert forbidden.status_code == 403
        assert (await http.get("/admin", headers=bearer(mint(scope="admin")))).status_code == 200
        schema = (await http.get("/openapi.json")).json()
        assert schema["components"]["securitySchemes"]["BastionBearer"]["scheme"] == "bearer"


def test_client_credentials_example_prints_a_token(
    server: FakeAuthServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    example = load_example("client_credentials")
    real_client = example.Client

    def with_transport(*args: Any, **kwargs: Any) -> Any:
        return real_client(*args, transport=server.transport(), **kwargs)

    monkeypatch.setattr(example, "Client", with_transport)
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "x",
            "--issuer",
            server.issuer,
            "--client-id",
            "app_test",
            "--client-secret",
            "s3cr3t+/=",
            "--scope",
            "read",
        ],
    )
    assert example.main() == 0
    assert capsys.readouterr().out.count(".") == 2
