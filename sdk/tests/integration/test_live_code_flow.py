"""Authorization code + PKCE, rotating refresh and refresh-token revocation against a live
server, through both twins (the `flavor` fixture).

The SDK builds the authorization URL and keeps the verifier; the demo user signs in and
consents on the hosted pages (plain httpx, see `live_support.Person`); the SDK checks the
redirect's `state` and `iss` and redeems the code. Refresh tokens rotate and a reused one
revokes its family (the test server's reuse grace is 0).
"""

from __future__ import annotations

import asyncio
import dataclasses
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from live_support import Counter, Person, PublicClient, public_oauth, verify_user_token
from twins import close, resolve

from bastion_sdk import (
    AsyncClient,
    AuthorizationRequest,
    Client,
    InvalidGrant,
    ProtocolError,
    RefreshToken,
    Token,
    generate_code_verifier,
)

SCOPE = "openid profile email offline_access"
N = 20


async def authorized(
    bastion: Any, app: PublicClient, client: Client | AsyncClient
) -> tuple[AuthorizationRequest, str]:
    """An authorization request from the SDK, and the redirect back to the app after the
    demo user signed in and consented (in a thread: the pages are driven with blocking
    httpx)."""
    request = await resolve(
        client.authorization_request(redirect_uri=app.redirect_uri, scope=SCOPE)
    )
    redirect = await asyncio.to_thread(Person(bastion).authorize, request.url)
    assert redirect.startswith(app.redirect_uri)
    return request, redirect


async def redeem(
    app: PublicClient, client: Client | AsyncClient, request: AuthorizationRequest, code: str
) -> Token:
    token: Token = await resolve(
        client.exchange_code(
            code, redirect_uri=app.redirect_uri, code_verifier=request.code_verifier
        )
    )
    return token


async def code_flow(bastion: Any, app: PublicClient, client: Client | AsyncClient) -> Token:
    request, redirect = await authorized(bastion, app, client)
    code = client.parse_authorization_response(redirect, state=request.state)
    return await redeem(app, client, request, code)


async def test_code_flow_with_pkce(bastion: Any, public_client: PublicClient, flavor: str) -> None:
    client = public_oauth(public_client, flavor)
    request, redirect = await authorized(bastion, public_client, client)
    sent = parse_qs(urlsplit(request.url).query)
    assert request.url.startswith(f"{public_client.issuer}/auth?")
    assert sent["code_challenge_method"] == ["S256"] and "code_verifier" not in sent
    assert sent["nonce"] and sent["state"] == [request.state]
    assert parse_qs(urlsplit(redirect).query)["iss"] == [public_client.issuer]  # RFC 9207
    with pytest.raises(ProtocolError, match="state"):
        client.parse_authorization_response(redirect, state="another-request")
    mixed_up = redirect.replace("iss=", "iss=https%3A%2F%2Fevil.example%2Fdemo&x=")
    with pytest.raises(ProtocolError, match="issuer"):
        client.parse_authorization_response(mixed_up, state=request.state)
    code = client.parse_authorization_response(redirect, state=request.state)
    stolen = dataclasses.replace(request, code_verifier=generate_code_verifier())
    with pytest.raises(InvalidGrant):  # only the verifier of the request redeems its code
        await redeem(public_client, client, stolen, code)

    request, redirect = await authorized(bastion, public_client, client)
    code = client.parse_authorization_response(redirect, state=request.state)
    token = await redeem(public_client, client, request, code)
    assert token.scopes == set(SCOPE.split()) and token.id_token and token.refresh_token
    claims = await verify_user_token(public_client, flavor, token)
    assert claims.scopes == set(SCOPE.split())
    with pytest.raises(InvalidGrant):  # a code is redeemed once
        await redeem(public_client, client, request, code)
    await close(client)


async def test_token_source_follows_refresh_rotation(
    bastion: Any, public_client: PublicClient, flavor: str
) -> None:
    """The source keeps each rotated refresh token; the first one is refused afterwards,
    and presenting it revokes the family, so the source's next refresh fails too."""
    client = public_oauth(public_client, flavor)
    first = await code_flow(bastion, public_client, client)
    assert first.refresh_token is not None
    grant = RefreshToken(first.refresh_token)
    source = client.token_source(grant, initial=first)
    assert (await resolve(source.token())) is first
    second = await resolve(source.token(rejected=first.access_token))
    kept = grant.refresh_token
    assert kept != first.refresh_token and second.refresh_token == kept
    third = await resolve(source.token(rejected=second.access_token))  # uses the kept one
    assert grant.refresh_token not in (first.refresh_token, kept)
    for token in (second, third):
        await verify_user_token(public_client, flavor, token)
    with pytest.raises(InvalidGrant):
        await resolve(client.refresh(first.refresh_token))
    with pytest.raises(InvalidGrant):  # the whole family went with it
        await resolve(source.token(rejected=third.access_token))
    await close(client)


async def test_revoked_access_token_is_replaced_once_through_httpx(
    bastion: Any, public_client: PublicClient, flavor: str
) -> None:
    """N concurrent userinfo calls get a 401 for a revoked access token; the source
    refreshes once (a second refresh with the same token would revoke the family) and
    replays them all."""
    counted = Counter()
    hook = counted.sync_hook if flavor == "sync" else counted.async_hook
    client = public_oauth(public_client, flavor, event_hooks={"request": [hook]})
    first = await code_flow(bastion, public_client, client)
    assert first.refresh_token is not None
    await resolve(client.revoke(first.access_token, token_type_hint="access_token"))
    before = counted.count
    me = f"{public_client.issuer}/me"
    if isinstance(client, Client):
        source = client.token_source(RefreshToken(first.refresh_token), initial=first)
        with httpx.Client(auth=source) as http, ThreadPoolExecutor(N) as pool:
            statuses = list(pool.map(lambda _: http.get(me).status_code, range(N)))
    else:
        async_source = client.token_source(RefreshToken(first.refresh_token), initial=first)
        async with httpx.AsyncClient(auth=async_source) as ahttp:
            responses = await asyncio.gather(*(ahttp.get(me) for _ in range(N)))
        statuses = [r.status_code for r in responses]
    assert statuses == [200] * N
    assert counted.count - before == 1
    await close(client)


async def test_revoking_a_refresh_token(
    bastion: Any, public_client: PublicClient, flavor: str
) -> None:
    client = public_oauth(public_client, flavor)
    token = await code_flow(bastion, public_client, client)
    assert token.refresh_token is not None
    await resolve(client.revoke(token.refresh_token, token_type_hint="refresh_token"))
    with pytest.raises(InvalidGrant):
        await resolve(client.refresh(token.refresh_token))
    await close(client)
