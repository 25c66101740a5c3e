"""Verifying tokens minted by a live Bastion server, with both verifier twins."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from jwt_factory import b64json
from live_support import App
from twins import resolve

from bastion_sdk import (
    AsyncClient,
    AsyncTokenVerifier,
    AudienceMismatch,
    Client,
    InsufficientScope,
    InvalidToken,
    IssuerMismatch,
    JWKSFetchError,
    KeyNotFound,
    TokenVerifier,
)

Verifier = TokenVerifier | AsyncTokenVerifier


def decoded(part: str) -> Any:
    """A base64url JSON segment of a compact JWT, decoded."""
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def header(token: str) -> Any:
    return decoded(token.split(".")[0])


def verifier(issuer: str, flavor: str, **options: Any) -> Verifier:
    options.setdefault("audience", issuer.rsplit("/", 1)[-1])
    if flavor == "sync":
        return TokenVerifier(issuer, **options)
    return AsyncTokenVerifier(issuer, **options)


async def token_for(app: App, flavor: str, **options: Any) -> str:
    if flavor == "sync":
        with Client(app.issuer, client_id=app.client_id, client_secret=app.client_secret) as c:
            return c.client_credentials(**options).access_token
    async with AsyncClient(
        app.issuer, client_id=app.client_id, client_secret=app.client_secret
    ) as ac:
        return (await ac.client_credentials(**options)).access_token


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
async def test_every_signing_algorithm(make_app: Callable[..., App], flavor: str, alg: str) -> None:
    app = make_app(alg)
    token = await token_for(app, flavor, scope="read")
    assert header(token)["alg"] == alg and header(token)["typ"] == "at+jwt"
    claims = await resolve(verifier(app.issuer, flavor).verify(token, required_scopes=["read"]))
    assert claims.client_id == app.client_id and claims.audience == (app.slug,)


async def test_live_tokens_against_the_wrong_pins(bastion: Any, demo: App, flavor: str) -> None:
    token = await token_for(demo, flavor)
    with pytest.raises(AudienceMismatch):
        await resolve(verifier(demo.issuer, flavor, audience="other-api").verify(token))
    with pytest.raises(InsufficientScope):
        await resolve(verifier(demo.issuer, flavor).verify(token, required_scopes=["admin"]))
    # Same keys, other pinned issuer: fetch the demo JWKS but expect the platform's iss.
    pinned = verifier(
        bastion.platform_issuer, flavor, audience="demo", jwks_uri=f"{demo.issuer}/jwks"
    )
    with pytest.raises(IssuerMismatch):
        await resolve(pinned.verify(token))


async def test_another_issuers_token_has_no_key_here(
    make_app: Callable[..., App], demo: App, flavor: str
) -> None:
    other = make_app("RS256")
    token = await token_for(other, flavor)
    with pytest.raises(KeyNotFound, match="another issuer"):
        await resolve(verifier(demo.issuer, flavor).verify(token))


async def test_tampered_live_token(demo: App, flavor: str) -> None:
    protected, payload, signature = (await token_for(demo, flavor)).split(".")
    claims = decoded(payload)
    claims["scope"] = "admin"
    forged = f"{protected}.{b64json(claims)}.{signature}"
    with pytest.raises(InvalidToken, match="signature"):
        await resolve(verifier(demo.issuer, flavor).verify(forged))
    stripped = f"{b64json({'alg': 'none', 'typ': 'at+jwt'})}.{payload}."
    with pytest.raises(InvalidToken, match="unsigned"):
        await resolve(verifier(demo.issuer, flavor).verify(stripped))


async def test_key_rotation_needs_no_refetch(
    bastion: Any, make_app: Callable[..., App], flavor: str
) -> None:
    """Bastion publishes the next key before using it, so a warm cache already has it."""
    app = make_app("RS256")
    fetches: list[str] = []

    def hook(request: httpx.Request) -> None:
        fetches.append(request.url.path)

    async def ahook(request: httpx.Request) -> None:
        hook(request)

    v: Verifier
    if flavor == "sync":
        v = TokenVerifier(
            app.issuer, audience=app.slug, http_client=httpx.Client(event_hooks={"request": [hook]})
        )
    else:
        v = AsyncTokenVerifier(
            app.issuer,
            audience=app.slug,
            http_client=httpx.AsyncClient(event_hooks={"request": [ahook]}),
        )
    before = await token_for(app, flavor)
    await resolve(v.verify(before))
    jwks_fetches = fetches.count(f"/{app.slug}/jwks")
    old_kid = header(before)["kid"]
    bastion.cli("keys", "rotate", "--issuer", app.slug)
    deadline = time.monotonic() + 10
    after = before
    while header(after)["kid"] == old_kid and time.monotonic() < deadline:
        await asyncio.sleep(0.2)  # nodes pick up the rotation on their next poll
        after = await token_for(app, flavor)
    assert header(after)["kid"] != old_kid
    await resolve(v.verify(after))
    await resolve(v.verify(before))  # the retired key stays published
    assert fetches.count(f"/{app.slug}/jwks") == jwks_fetches


async def test_unreachable_keys_are_not_an_invalid_token(demo: App, flavor: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free once closed: nothing listens there
    token = await token_for(demo, flavor)
    dead = f"http://127.0.0.1:{port}/jwks"
    with pytest.raises(JWKSFetchError, match="validity is unknown"):
        await resolve(verifier(demo.issuer, flavor, jwks_uri=dead, timeout=2).verify(token))
