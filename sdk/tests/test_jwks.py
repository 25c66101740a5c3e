"""JWKS cache: TTL, single flight, unknown-kid refetch with cooldown, stale-if-error."""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fake_server import FakeAuthServer
from jwt_factory import AUDIENCE, EC_KEY, RSA_KEY, RSA_OTHER, SigningKey, mint
from twins import resolve

from bastion_sdk import (
    AsyncJWKSCache,
    AsyncTokenVerifier,
    JWKSCache,
    JWKSFetchError,
    KeyNotFound,
    TokenVerifier,
)
from bastion_sdk._jwk import VerificationKey

Verifier = TokenVerifier | AsyncTokenVerifier


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(server: FakeAuthServer, flavor: str, clock: Clock, **options: Any) -> Verifier:
    verifier: Verifier
    if flavor == "sync":
        verifier = TokenVerifier(
            server.issuer, audience=AUDIENCE, transport=server.transport(), **options
        )
    else:
        verifier = AsyncTokenVerifier(
            server.issuer, audience=AUDIENCE, transport=server.async_transport(), **options
        )
    verifier.jwks._state.monotonic = clock
    return verifier


async def verify(verifier: Verifier, token: str) -> Any:
    return await resolve(verifier.verify(token))


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_keys_are_cached_for_the_ttl(
    server: FakeAuthServer, flavor: str, clock: Clock
) -> None:
    verifier = make(server, flavor, clock, jwks_ttl=600)
    for _ in range(5):
        await verify(verifier, mint())
    assert server.calls["/jwks"] == 1
    assert server.calls["/.well-known/openid-configuration"] == 1
    clock.now += 599
    await verify(verifier, mint())
    assert server.calls["/jwks"] == 1
    clock.now += 2
    await verify(verifier, mint())
    assert server.calls["/jwks"] == 2
    assert server.calls["/.well-known/openid-configuration"] == 1  # jwks_uri is remembered


async def test_explicit_jwks_uri_skips_discovery(
    server: FakeAuthServer, flavor: str, clock: Clock
) -> None:
    verifier = make(server, flavor, clock, jwks_uri=server.url("/jwks"))
    await verify(verifier, mint())
    assert server.calls["/.well-known/openid-configuration"] == 0


def test_cold_cache_single_flight_threads(server: FakeAuthServer, clock: Clock) -> None:
    server.delay = 0.05
    verifier = make(server, "sync", clock)
    assert isinstance(verifier, TokenVerifier)
    token = mint()
    barrier = threading.Barrier(50)

    def call(_: int) -> str:
        barrier.wait()
        return str(verifier.verify(token).subject)

    with ThreadPoolExecutor(50) as pool:
        assert set(pool.map(call, range(50))) == {"user-123"}
    assert server.calls["/jwks"] == 1


async def test_cold_cache_single_flight_tasks(server: FakeAuthServer, clock: Clock) -> None:
    server.delay = 0.05
    verifier = make(server, "async", clock)
    assert isinstance(verifier, AsyncTokenVerifier)
    token = mint()
    results = await asyncio.gather(*(verifier.verify(token) for _ in range(50)))
    assert {r.subject for r in results} == {"user-123"}
    assert server.calls["/jwks"] == 1


async def test_rotation_is_picked_up_by_one_refetch(
    server: FakeAuthServer, flavor: str, clock: Clock
) -> None:
    verifier = make(server, flavor, clock)
    await verify(verifier, mint(RSA_KEY))
    clock.now += 31
    server.keys.append(EC_KEY)  # published before use, as rotation should
    await verify(verifier, mint(EC_KEY))
    assert server.calls["/jwks"] == 2


async def test_unknown_kids_refetch_at_most_once_per_cooldown(
    server: FakeAuthServer, flavor: str, clock: Clock
) -> None:
    verifier = make(server, flavor, clock, jwks_cooldown=30)
    await verify(verifier, mint())
    clock.now += 31
    for n in range(20):
        with pytest.raises(KeyNotFound):
            await verify(verifier, mint(kid=f"random-{n}"))
    assert server.calls["/jwks"] == 2  # the first unknown kid refetched, the rest did not
    clock.now += 31
    with pytest.raises(KeyNotFound):
        await verify(verifier, mint(kid="again"))
    assert server.calls["/jwks"] == 3


async def test_unknown_kid_right_after_a_fetch_does_not_refetch(
    server: FakeAuthServer, flavor: str, clock: Clock
) -> None:
    verifier = make(server, flavor, clock)
    await verify(verifier, mint())
    with pytest.raises(KeyNotFound):
        await verify(verifier, mint(kid="nobody"))
    assert server.calls["/jwks"] == 1


def test_concurrent_unknown_kid_share_one_refetch(server: FakeAuthServer, clock: Clock) -> None:
    verifier = make(server, "sync", clock)
    assert isinstance(verifier, TokenVerifier)
    verifier.verify(mint())
    clock.now += 31
    server.delay = 0.05
    server.keys.append(RSA_OTHER)
    token = mint(RSA_OTHER)
    barrier = threading.Barrier(30)

    def call(_: int) -> None:
        barrier.wait()
        verifier.verify(token)

    with ThreadPoolExecutor(30) as pool:
        list(pool.map(call, range(30)))
    assert server.calls["/jwks"] == 2


async def test_stale_keys_serve_through_an_outage(
    server: FakeAuthServer, flavor: str, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    verifier = make(server, flavor, clock, jwks_ttl=600, jwks_cooldown=30, jwks_stale_if_error=3600)
    await verify(verifier, mint())
    server.jwks_down = True
    clock.now += 601
    with caplog.at_level(logging.WARNING, logger="bastion_sdk"):
        await verify(verifier, mint())
    assert "serving cached keys" in caplog.text
    attempts = server.calls["/jwks"]
    for _ in range(10):
        await verify(verifier, mint())
    assert server.calls["/jwks"] == attempts  # retried only after the cooldown
    clock.now += 31
    await verify(verifier, mint())
    assert server.calls["/jwks"] == attempts + 1
    clock.now += 3600
    with pytest.raises(JWKSFetchError):
        await verify(verifier, mint())
    server.jwks_down = False
    clock.now += 31
    await verify(verifier, mint())


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, {"error": "boom"}),
        (302, {}),
        (200, {"not": "a jwks"}),
        (200, {"keys": [{**RSA_KEY.jwk(), "d": "AAAA"}]}),
        (200, {"keys": ["not an object"]}),
        (200, "not json"),
    ],
    ids=["500", "redirect", "no-keys", "private-key", "bad-member", "not-json"],
)
async def test_unacceptable_jwks_responses(
    server: FakeAuthServer, flavor: str, clock: Clock, status: int, body: Any
) -> None:
    def jwks_response(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/jwks"):
            if isinstance(body, str):
                return httpx.Response(status, text=body)
            headers = {"location": "https://elsewhere.test/jwks"} if status == 302 else {}
            return httpx.Response(status, json=body, headers=headers)
        return server.handle(request)

    verifier: Verifier
    if flavor == "sync":
        verifier = TokenVerifier(
            server.issuer, audience=AUDIENCE, transport=httpx.MockTransport(jwks_response)
        )
    else:
        verifier = AsyncTokenVerifier(
            server.issuer, audience=AUDIENCE, transport=httpx.MockTransport(jwks_response)
        )
    with pytest.raises(JWKSFetchError):
        await verify(verifier, mint())


@pytest.mark.filterwarnings("ignore:The RSA key is 1024 bits")
async def test_weak_and_foreign_keys_are_skipped(flavor: str, clock: Clock) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    weak_private = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    weak = SigningKey("weak", "RS256", weak_private)
    server = FakeAuthServer(keys=(weak, RSA_KEY))
    server.extra_jwks = [
        {"kty": "oct-future", "kid": "x"},
        {**RSA_OTHER.jwk(), "use": "enc"},
        {**RSA_OTHER.jwk(), "kid": "ops", "key_ops": ["encrypt"]},
    ]
    verifier = make(server, flavor, clock)
    await verify(verifier, mint(RSA_KEY))
    with pytest.raises(KeyNotFound):
        await verify(verifier, mint(weak))


def test_the_caches_can_be_used_alone(server: FakeAuthServer) -> None:
    cache = JWKSCache(jwks_uri=server.url("/jwks"), transport=server.transport())
    assert [k.kid for k in cache.keys().keys] == [RSA_KEY.kid]
    cache.close()
    with pytest.raises(ValueError, match="issuer"):
        JWKSCache()


async def test_the_async_cache_can_be_used_alone(server: FakeAuthServer) -> None:
    cache = AsyncJWKSCache(server.issuer, transport=server.async_transport())
    assert [k.kid for k in (await cache.keys()).keys] == [RSA_KEY.kid]
    await cache.aclose()


def test_a_key_is_never_used_with_an_algorithm_of_another_key_type() -> None:
    """Signature checks trust the key's type, so selection must check it."""
    ec_public = EC_KEY.private.public_key()
    mislabelled = VerificationKey("k", "RSA", None, None, ec_public)
    assert not mislabelled.accepts("RS256")
    assert VerificationKey("k", "EC", "P-256", None, ec_public).accepts("ES256")
