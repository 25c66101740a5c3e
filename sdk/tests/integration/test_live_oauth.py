"""The OAuth client and token sources against a live Bastion server.

Every test runs twice through the `flavor` fixture: with `Client` and `AsyncClient`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from live_support import App, Counter
from twins import close, resolve

from bastion_sdk import (
    AsyncClient,
    AsyncTokenVerifier,
    Client,
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    InvalidTarget,
    OAuthError,
    TokenVerifier,
)

N = 50


def client_for(
    app: App, flavor: str, counter: Counter | None = None, **options: Any
) -> Client | AsyncClient:
    options = {**app.credentials, **options}
    if flavor == "sync":
        hooks = {"request": [counter.sync_hook]} if counter else {}
        return Client(app.issuer, http_client=httpx.Client(event_hooks=hooks), **options)
    async_hooks = {"request": [counter.async_hook]} if counter else {}
    return AsyncClient(
        app.issuer, http_client=httpx.AsyncClient(event_hooks=async_hooks), **options
    )


def verifier_for(issuer: str, flavor: str, audience: str) -> TokenVerifier | AsyncTokenVerifier:
    if flavor == "sync":
        return TokenVerifier(issuer, audience=audience)
    return AsyncTokenVerifier(issuer, audience=audience)


async def test_discovery_of_app_and_platform_issuers(bastion: Any, demo: App, flavor: str) -> None:
    for issuer in (bastion.issuer, bastion.platform_issuer):
        client = client_for(App("x", issuer, demo.client_id, demo.client_secret), flavor)
        meta = await resolve(client.metadata())
        assert meta.issuer == issuer
        assert meta.token_endpoint == f"{issuer}/token"
        assert meta.jwks_uri == f"{issuer}/jwks"
        assert meta.introspection_endpoint == f"{issuer}/token/introspection"
        assert "client_credentials" in meta.grant_types_supported
        await close(client)


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
async def test_client_credentials_verified_locally(
    demo: App, flavor: str, auth_method: str
) -> None:
    client = client_for(demo, flavor, auth_method=auth_method)
    token = await resolve(client.client_credentials(scope="users:read"))
    assert token.token_type == "Bearer" and token.expires_in == 3600
    assert token.scopes == {"users:read"}
    verifier = verifier_for(demo.issuer, flavor, audience="demo")
    claims = await resolve(verifier.verify(token.access_token, required_scopes=["users:read"]))
    assert claims.issuer == demo.issuer and claims.audience == ("demo",)
    assert claims.subject == claims.client_id == demo.client_id
    await close(client)


async def test_server_errors_are_typed(demo: App, flavor: str) -> None:
    bad = client_for(demo, flavor, client_secret="bas_cs_wrong")
    with pytest.raises(InvalidClient) as caught:
        await resolve(bad.client_credentials())
    assert caught.value.status == 401 and caught.value.error == "invalid_client"
    await close(bad)
    client = client_for(demo, flavor)
    with pytest.raises(InvalidScope):
        await resolve(client.client_credentials(scope="admin"))
    with pytest.raises(InvalidTarget):
        await resolve(client.client_credentials(resource="https://elsewhere.example/api"))
    with pytest.raises(InvalidGrant):
        await resolve(client.exchange_token("not-a-token"))
    with pytest.raises(OAuthError) as refused:
        await resolve(client.refresh("bas_rt_unknown"))
    assert refused.value.status == 400
    await close(client)


async def test_resource_indicator_on_the_platform_issuer(
    bastion: Any, demo: App, flavor: str
) -> None:
    platform = App("platform", bastion.platform_issuer, demo.client_id, demo.client_secret)
    client = client_for(platform, flavor)
    token = await resolve(client.client_credentials(resource=bastion.platform_issuer))
    verifier = verifier_for(bastion.platform_issuer, flavor, audience=bastion.platform_issuer)
    claims = await resolve(verifier.verify(token.access_token))
    assert claims.audience == (bastion.platform_issuer,)
    await close(client)


async def test_token_exchange(demo: App, flavor: str) -> None:
    client = client_for(demo, flavor)
    subject = await resolve(client.client_credentials(scope="sign:job users:read"))
    exchanged = await resolve(client.exchange_token(subject.access_token, scope="sign:job"))
    assert exchanged.issued_token_type == "urn:ietf:params:oauth:token-type:access_token"
    verifier = verifier_for(demo.issuer, flavor, audience="demo")
    claims = await resolve(verifier.verify(exchanged.access_token))
    assert claims.scopes == {"sign:job"} and claims.subject == demo.client_id
    await close(client)


async def test_introspection_and_revocation(demo: App, flavor: str) -> None:
    client = client_for(demo, flavor)
    token = await resolve(client.client_credentials())
    info = await resolve(client.introspect(token.access_token, token_type_hint="access_token"))
    assert info.active and info.client_id == demo.client_id and info.iss == demo.issuer
    await resolve(client.revoke(token.access_token, token_type_hint="access_token"))
    assert not (await resolve(client.introspect(token.access_token))).active
    await resolve(client.revoke("never-issued"))  # RFC 7009 §2.2: not an error
    await close(client)


async def test_token_source_single_flight(demo: App, flavor: str) -> None:
    counter = Counter()
    client = client_for(demo, flavor, counter)
    if isinstance(client, Client):
        source = client.token_source()
        with ThreadPoolExecutor(N) as pool:
            tokens = list(pool.map(lambda _: source.token(), range(N)))
    else:
        async_source = client.token_source()
        tokens = await asyncio.gather(*(async_source.token() for _ in range(N)))
    assert counter.count == 1
    assert len({t.access_token for t in tokens}) == 1
    await close(client)


def introspecting_resource(client: Client | AsyncClient) -> httpx.MockTransport:
    """A resource server that asks the live server whether each bearer token is active."""

    def answer(active: bool) -> httpx.Response:
        if active:
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(401, headers={"www-authenticate": 'Bearer error="invalid_token"'})

    def bearer(request: httpx.Request) -> str:
        return request.headers["authorization"].removeprefix("Bearer ")

    if isinstance(client, Client):
        sync_client = client

        def handle(request: httpx.Request) -> httpx.Response:
            return answer(sync_client.introspect(bearer(request)).active)

        return httpx.MockTransport(handle)
    async_client = client

    async def handle_async(request: httpx.Request) -> httpx.Response:
        return answer((await async_client.introspect(bearer(request))).active)

    return httpx.MockTransport(handle_async)


async def test_token_source_recovers_from_revocation_with_one_refresh(
    demo: App, flavor: str
) -> None:
    counter = Counter()
    client = client_for(demo, flavor, counter)
    resource = introspecting_resource(client_for(demo, flavor))
    url = "https://resource.example.test/data"
    if isinstance(client, Client):
        source = client.token_source()
        first = source.token()
        client.revoke(first.access_token)
        with httpx.Client(auth=source, transport=resource) as http:
            barrier = threading.Barrier(N)

            def call(_: int) -> int:
                barrier.wait()
                return http.get(url).status_code

            with ThreadPoolExecutor(N) as pool:
                statuses = list(pool.map(call, range(N)))
        latest = source.token()
    else:
        async_source = client.token_source()
        first = await async_source.token()
        await client.revoke(first.access_token)
        async with httpx.AsyncClient(auth=async_source, transport=resource) as ahttp:
            responses = await asyncio.gather(*(ahttp.get(url) for _ in range(N)))
        statuses = [r.status_code for r in responses]
        latest = await async_source.token()
    assert statuses == [200] * N
    assert counter.count == 2  # the first token, then exactly one refresh for N 401s
    assert latest.access_token != first.access_token
    await close(client)


async def test_twins_agree(make_app: Callable[..., App]) -> None:
    """The same call through both twins yields the same shape of result."""
    app = make_app("RS256")
    sync = client_for(app, "sync")
    async_ = client_for(app, "async")
    a = await resolve(sync.client_credentials(scope="read"))
    b = await resolve(async_.client_credentials(scope="read"))
    assert (a.token_type, a.scope, a.expires_in) == (b.token_type, b.scope, b.expires_in)
    await close(sync)
    await close(async_)
