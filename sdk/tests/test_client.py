"""OAuth client behaviour, run once with Client and once with AsyncClient."""

from __future__ import annotations

import base64
from collections.abc import Callable
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest
from fake_server import CLIENT_ID, CLIENT_SECRET, FakeAuthServer, oauth_error
from twins import OAuth, close, make_client, resolve

from bastion_sdk import (
    TOKEN_TYPE_ACCESS_TOKEN,
    AccessDenied,
    AsyncClient,
    Client,
    InvalidClient,
    InvalidGrant,
    OAuthError,
    ProtocolError,
    RateLimited,
    ServerError,
    TransportError,
    code_challenge,
)


def form_of(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.content.decode()))


async def test_discovery_is_fetched_once_and_cached(oauth: OAuth, server: FakeAuthServer) -> None:
    first = await resolve(oauth.metadata())
    second = await resolve(oauth.metadata())
    assert first is second
    assert first.token_endpoint == server.url("/token")
    assert first.jwks_uri == server.url("/jwks")
    assert server.calls["/.well-known/openid-configuration"] == 1


async def test_discovery_falls_back_to_rfc8414(server: FakeAuthServer, flavor: str) -> None:
    server.oidc_discovery = False
    client = make_client(server, flavor)
    meta = await resolve(client.metadata())
    assert meta.issuer == server.issuer
    assert server.calls["/.well-known/oauth-authorization-server"] == 1
    await close(client)


async def test_discovery_refuses_another_issuer(server: FakeAuthServer, flavor: str) -> None:
    server.discovery_overrides["issuer"] = "https://evil.example.test/acme"
    client = make_client(server, flavor)
    with pytest.raises(ProtocolError, match="mix-up"):
        await resolve(client.metadata())
    await close(client)


async def test_client_credentials_with_basic_auth(oauth: OAuth, server: FakeAuthServer) -> None:
    token = await resolve(oauth.client_credentials(scope=["read", "write"]))
    assert token.token_type == "Bearer"
    assert token.scopes == {"read", "write"}
    assert token.expires_in == 3600 and token.expires_at is not None
    request = server.requests[-1]
    scheme, _, value = request.headers["authorization"].partition(" ")
    assert scheme == "Basic"
    # RFC 6749 §2.3.1: both halves are form-urlencoded before base64.
    assert base64.b64decode(value).decode() == f"{CLIENT_ID}:s3cr3t%2B%2F%3D"
    assert form_of(request) == {"grant_type": "client_credentials", "scope": "read write"}
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"


async def test_client_secret_post(server: FakeAuthServer, flavor: str) -> None:
    client = make_client(server, flavor, auth_method="client_secret_post")
    await resolve(client.client_credentials())
    request = server.requests[-1]
    assert "authorization" not in request.headers
    assert form_of(request)["client_secret"] == CLIENT_SECRET
    await close(client)


async def test_post_is_chosen_when_the_server_only_offers_post(
    server: FakeAuthServer, flavor: str
) -> None:
    server.discovery_overrides["token_endpoint_auth_methods_supported"] = ["client_secret_post"]
    client = make_client(server, flavor)
    await resolve(client.client_credentials())
    assert form_of(server.requests[-1])["client_id"] == CLIENT_ID
    await close(client)


async def test_public_client_sends_only_its_id(server: FakeAuthServer, flavor: str) -> None:
    client = make_client(server, flavor, client_secret=None)
    with pytest.raises(InvalidClient):
        await resolve(client.client_credentials())
    request = server.requests[-1]
    assert "authorization" not in request.headers
    assert form_of(request)["client_id"] == CLIENT_ID
    await close(client)


async def test_oauth_error_is_typed_and_actionable(server: FakeAuthServer, flavor: str) -> None:
    client = make_client(server, flavor, client_secret="wrong")
    with pytest.raises(InvalidClient) as caught:
        await resolve(client.client_credentials())
    error = caught.value
    assert (error.status, error.error) == (401, "invalid_client")
    assert error.error_description == "client authentication failed"
    assert "check client_id and client_secret" in str(error)
    await close(client)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (lambda: oauth_error(400, "access_denied"), AccessDenied),
        (lambda: oauth_error(400, "some_future_code"), OAuthError),
        (lambda: httpx.Response(429, headers={"retry-after": "7"}), RateLimited),
        (lambda: httpx.Response(503, text="upstream down"), ServerError),
    ],
)
async def test_error_mapping(
    server: FakeAuthServer,
    flavor: str,
    response: Callable[[], httpx.Response],
    expected: type[Exception],
) -> None:
    server.token_override = lambda request, form: response()
    client = make_client(server, flavor)
    with pytest.raises(expected) as caught:
        await resolve(client.client_credentials())
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 7
    await close(client)


async def test_non_json_success_is_a_protocol_error(server: FakeAuthServer, flavor: str) -> None:
    server.token_override = lambda request, form: httpx.Response(200, text="<html>")
    client = make_client(server, flavor)
    with pytest.raises(ProtocolError, match="expected a JSON object"):
        await resolve(client.client_credentials())
    await close(client)


async def test_network_failure_is_a_transport_error(flavor: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    transport = httpx.MockTransport(refuse)
    client: Client | AsyncClient
    if flavor == "sync":
        client = Client("https://down.example.test", transport=transport)
    else:
        client = AsyncClient("https://down.example.test", transport=transport)
    with pytest.raises(TransportError, match="failed before any HTTP answer"):
        await resolve(client.metadata())
    await close(client)


async def test_token_repr_hides_secrets(oauth: OAuth) -> None:
    token = await resolve(oauth.client_credentials())
    assert token.access_token not in repr(token)
    assert "Bearer" in repr(token)


async def test_refresh_returns_the_rotated_token(oauth: OAuth, server: FakeAuthServer) -> None:
    first = server.start_family()
    token = await resolve(oauth.refresh(first))
    assert token.refresh_token and token.refresh_token != first
    with pytest.raises(InvalidGrant, match="reuse"):
        await resolve(oauth.refresh(first))


async def test_authorization_code_with_pkce(oauth: OAuth, server: FakeAuthServer) -> None:
    request = await resolve(
        oauth.authorization_request(redirect_uri="https://app.example.test/cb", scope="openid")
    )
    query = parse_qs(urlsplit(request.url).query)
    assert request.url.startswith(server.url("/auth?"))
    assert query["code_challenge"] == [code_challenge(request.code_verifier)]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] == [request.state] and query["nonce"] == [request.nonce]
    server.add_code("code-1", request.code_verifier, "https://app.example.test/cb")
    callback = f"https://app.example.test/cb?code=code-1&state={request.state}&iss={server.issuer}"
    code = oauth.parse_authorization_response(callback, state=request.state)
    token = await resolve(
        oauth.exchange_code(
            code, redirect_uri="https://app.example.test/cb", code_verifier=request.code_verifier
        )
    )
    assert token.refresh_token is not None
    assert form_of(server.requests[-1])["code_verifier"] == request.code_verifier


def test_authorization_response_checks(server: FakeAuthServer) -> None:
    client = Client(server.issuer, client_id=CLIENT_ID, transport=server.transport())
    with pytest.raises(ProtocolError, match="state"):
        client.parse_authorization_response("https://app/cb?code=x&state=other", state="mine")
    with pytest.raises(ProtocolError, match="issuer"):
        client.parse_authorization_response(
            "https://app/cb?code=x&state=mine&iss=https://evil.test", state="mine"
        )
    with pytest.raises(AccessDenied):
        client.parse_authorization_response(
            "https://app/cb?error=access_denied&state=mine", state="mine"
        )
    assert client.parse_authorization_response("https://app/cb?code=x&state=mine", state="mine")


async def test_token_exchange(oauth: OAuth, server: FakeAuthServer) -> None:
    token = await resolve(
        oauth.exchange_token("subject-jwt", audience="https://svc.example.test", scope="sign:job")
    )
    assert token.issued_token_type == TOKEN_TYPE_ACCESS_TOKEN
    form = form_of(server.requests[-1])
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:token-exchange"
    assert form["subject_token_type"] == TOKEN_TYPE_ACCESS_TOKEN
    assert form["audience"] == "https://svc.example.test"


async def test_introspect_and_revoke(oauth: OAuth, server: FakeAuthServer) -> None:
    token = await resolve(oauth.client_credentials())
    info = await resolve(oauth.introspect(token.access_token, token_type_hint="access_token"))
    assert info.active and info.client_id == CLIENT_ID and info.aud == ("api",)
    await resolve(oauth.revoke(token.access_token))
    assert server.revoked == [token.access_token]
    assert not (await resolve(oauth.introspect(token.access_token))).active


async def test_missing_endpoint_is_explained(server: FakeAuthServer, flavor: str) -> None:
    server.discovery_overrides["introspection_endpoint"] = None
    client = make_client(server, flavor)
    with pytest.raises(ProtocolError, match="does not advertise introspection_endpoint"):
        await resolve(client.introspect("x"))
    await close(client)


async def test_user_client_auth_is_not_applied_to_sdk_requests(server: FakeAuthServer) -> None:
    def boom(request: httpx.Request) -> httpx.Request:
        raise AssertionError("the SDK must not run the user's client-level auth")

    http = httpx.Client(transport=server.transport(), auth=boom)
    client = Client(
        server.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, http_client=http
    )
    await resolve(client.client_credentials())
    client.close()
    assert not http.is_closed  # not ours to close
    http.close()


def test_constructor_validation() -> None:
    with pytest.raises(ValueError, match="http"):
        Client("id.example.test")
    with pytest.raises(ValueError, match="client_secret"):
        Client("https://id.example.test", client_id="x", auth_method="client_secret_basic")
