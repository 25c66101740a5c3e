"""ApiKeyAuth, the 401 retry rule, and the verifier built from a client."""

from __future__ import annotations

import httpx
import pytest
from fake_server import FakeAuthServer
from jwt_factory import mint
from twins import close, make_client, resolve

from bastion_sdk import ApiKeyAuth
from bastion_sdk._auth import should_retry_unauthorized


def test_api_key_auth_sets_the_header() -> None:
    seen: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200)

    auth = ApiKeyAuth("pcft_live_abc")
    with httpx.Client(auth=auth, transport=httpx.MockTransport(record)) as http:
        http.get("https://api.example.test/")
    assert seen == ["Bearer pcft_live_abc"]
    assert "pcft_live_abc" not in repr(auth)
    with pytest.raises(ValueError):
        ApiKeyAuth("")


@pytest.mark.parametrize(
    ("status", "challenge", "retry"),
    [
        (401, None, True),
        (401, "Bearer", True),
        (401, 'Bearer realm="api", error="invalid_token"', True),
        (401, 'Bearer error="invalid_request"', False),
        (403, 'Bearer error="insufficient_scope"', False),
        (200, None, False),
    ],
)
def test_retry_rule(status: int, challenge: str | None, retry: bool) -> None:
    headers = {"www-authenticate": challenge} if challenge else {}
    assert should_retry_unauthorized(httpx.Response(status, headers=headers)) is retry


async def test_client_builds_a_verifier_for_its_issuer(server: FakeAuthServer, flavor: str) -> None:
    client = make_client(server, flavor)
    verifier = client.token_verifier(audience="https://api.example.test")
    claims = await resolve(verifier.verify(mint()))
    assert claims.issuer == server.issuer
    await close(client)
