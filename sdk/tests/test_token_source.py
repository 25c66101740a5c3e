"""TokenSource / AsyncTokenSource: caching, skew, single flight (also after a 401), httpx.Auth."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fake_server import CLIENT_ID, CLIENT_SECRET, FakeAuthServer

from bastion_sdk import (
    AsyncClient,
    AsyncTokenSource,
    Client,
    RefreshToken,
    ServerError,
    Token,
    TokenSource,
)

N = 100


class ResourceServer:
    """Accepts only the access tokens in `valid`; counts what it saw."""

    def __init__(self) -> None:
        self.valid: set[str] = set()
        self.seen: list[str] = []
        self.bodies: list[bytes] = []
        self.challenge = 'Bearer error="invalid_token"'
        self.lock = threading.Lock()
        # When set, a rejected request waits until this many have arrived, so that
        # every caller holds a 401 before anyone starts to refresh.
        self.gather: threading.Barrier | None = None

    def respond(self, request: httpx.Request) -> httpx.Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        with self.lock:
            self.seen.append(token)
            self.bodies.append(request.content)
        if token in self.valid:
            return httpx.Response(200, json={"ok": True})
        if self.gather is not None:
            self.gather.wait(timeout=10)
        return httpx.Response(401, headers={"www-authenticate": self.challenge})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.respond)


def stale(access_token: str = "stale-token") -> Token:
    return Token(access_token=access_token, token_type="Bearer", expires_in=3600, expires_at=10**10)


def sync_client(server: FakeAuthServer) -> Client:
    return Client(
        server.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        transport=server.transport(),
    )


def async_client(server: FakeAuthServer) -> AsyncClient:
    return AsyncClient(
        server.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        transport=server.async_transport(),
    )


def test_token_is_cached(server: FakeAuthServer) -> None:
    source = sync_client(server).token_source()
    assert source.token() is source.token()
    assert server.calls["/token"] == 1


def test_refreshes_skew_seconds_before_expiry(server: FakeAuthServer) -> None:
    client = sync_client(server)
    now = [1_000_000.0]
    client._core.clock = lambda: now[0]
    source = client.token_source(skew=60)
    first = source.token()
    assert first.expires_at == now[0] + 3600
    now[0] += 3600 - 61
    assert source.token() is first
    now[0] += 2  # now 59 s before expiry: inside the skew
    assert source.token() is not first
    assert server.calls["/token"] == 2


def test_skew_never_exceeds_half_a_short_lifetime(server: FakeAuthServer) -> None:
    server.token_lifetime = 30
    client = sync_client(server)
    now = [1_000_000.0]
    client._core.clock = lambda: now[0]
    source = client.token_source(skew=60)
    first = source.token()
    now[0] += 10
    assert source.token() is first  # a 60 s skew would re-mint on every call
    now[0] += 6
    assert source.token() is not first


def test_100_threads_cause_one_token_request(server: FakeAuthServer) -> None:
    server.delay = 0.05
    source = sync_client(server).token_source()
    with ThreadPoolExecutor(N) as pool:
        tokens = list(pool.map(lambda _: source.token(), range(N)))
    assert server.calls["/token"] == 1
    assert len({t.access_token for t in tokens}) == 1


async def test_100_tasks_cause_one_token_request(server: FakeAuthServer) -> None:
    server.delay = 0.05
    source = async_client(server).token_source()
    tokens = await asyncio.gather(*(source.token() for _ in range(N)))
    assert server.calls["/token"] == 1
    assert len({t.access_token for t in tokens}) == 1


def test_100_threads_after_a_401_cause_one_refresh(server: FakeAuthServer) -> None:
    server.delay = 0.02
    resource = ResourceServer()
    source = sync_client(server).token_source(initial=stale())
    original_mint = server.issue

    def issue_and_accept(**kw: object) -> dict[str, object]:
        body = original_mint(**kw)  # type: ignore[arg-type]
        resource.valid.add(str(body["access_token"]))
        return body

    server.issue = issue_and_accept  # type: ignore[method-assign]
    resource.gather = threading.Barrier(N)
    with httpx.Client(auth=source, transport=resource.transport()) as http:

        def call(_: int) -> int:
            return http.get("https://api.example.test/thing").status_code

        with ThreadPoolExecutor(N) as pool:
            statuses = list(pool.map(call, range(N)))
    assert statuses == [200] * N
    assert server.calls["/token"] == 1
    assert resource.seen.count("stale-token") == N


async def test_100_tasks_after_a_401_cause_one_refresh(server: FakeAuthServer) -> None:
    server.delay = 0.02
    resource = ResourceServer()
    source = async_client(server).token_source(initial=stale())
    original_mint = server.issue

    def issue_and_accept(**kw: object) -> dict[str, object]:
        body = original_mint(**kw)  # type: ignore[arg-type]
        resource.valid.add(str(body["access_token"]))
        return body

    server.issue = issue_and_accept  # type: ignore[method-assign]
    async with httpx.AsyncClient(auth=source, transport=resource.transport()) as http:
        responses = await asyncio.gather(
            *(http.get("https://api.example.test/thing") for _ in range(N))
        )
    assert [r.status_code for r in responses] == [200] * N
    assert server.calls["/token"] == 1
    assert resource.seen.count("stale-token") == N


@pytest.mark.parametrize("flavor", ["sync", "async"])
async def test_rotating_refresh_survives_a_401_stampede(
    server: FakeAuthServer, flavor: str
) -> None:
    """With rotation and reuse detection, N refreshes of one token would kill the family."""
    server.delay = 0.01
    grant = RefreshToken(server.start_family())
    if flavor == "sync":
        sync_source = sync_client(server).token_source(grant, initial=stale())
        with ThreadPoolExecutor(20) as pool:
            list(pool.map(lambda _: sync_source.token(rejected="stale-token"), range(20)))
        again = sync_source.token(rejected=sync_source.token().access_token)
    else:
        async_source = async_client(server).token_source(grant, initial=stale())
        await asyncio.gather(*(async_source.token(rejected="stale-token") for _ in range(20)))
        again = await async_source.token(rejected=(await async_source.token()).access_token)
    assert server.calls["/token"] == 2
    assert not server.revoked_families
    assert again.refresh_token == grant.refresh_token  # the grant follows the rotation


def test_waiters_share_a_failure_instead_of_retrying(server: FakeAuthServer) -> None:
    server.delay = 0.05
    server.token_override = lambda request, form: httpx.Response(500)
    source = sync_client(server).token_source()
    barrier = threading.Barrier(20)

    def call(_: int) -> str:
        barrier.wait()
        try:
            source.token()
        except ServerError:
            return "failed"
        return "ok"

    with ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(call, range(20)))
    assert outcomes == ["failed"] * 20
    assert server.calls["/token"] < 20  # one per wave, not one per caller
    server.token_override = None
    assert source.token().access_token


def test_a_second_401_is_returned_not_retried_again(server: FakeAuthServer) -> None:
    resource = ResourceServer()  # accepts nothing
    source = sync_client(server).token_source()
    with httpx.Client(auth=source, transport=resource.transport()) as http:
        response = http.post("https://api.example.test/thing", content=b"payload")
    assert response.status_code == 401
    assert len(resource.seen) == 2 and resource.bodies == [b"payload", b"payload"]
    assert server.calls["/token"] == 2


def test_no_retry_when_the_challenge_is_not_invalid_token(server: FakeAuthServer) -> None:
    resource = ResourceServer()
    resource.challenge = 'Bearer error="invalid_request"'
    source = sync_client(server).token_source()
    with httpx.Client(auth=source, transport=resource.transport()) as http:
        assert http.get("https://api.example.test/thing").status_code == 401
    assert len(resource.seen) == 1


async def test_sources_refuse_the_wrong_kind_of_httpx_client(server: FakeAuthServer) -> None:
    sync_source: TokenSource = sync_client(server).token_source()
    async_source: AsyncTokenSource = async_client(server).token_source()
    async with httpx.AsyncClient(auth=sync_source, transport=server.async_transport()) as http:
        with pytest.raises(TypeError, match="AsyncTokenSource"):
            await http.get(server.url("/anything"))
    with (
        httpx.Client(auth=async_source, transport=server.transport()) as http2,
        pytest.raises(TypeError, match="blocking TokenSource"),
    ):
        http2.get(server.url("/anything"))


def test_invalidate_forces_a_new_token(server: FakeAuthServer) -> None:
    source = sync_client(server).token_source()
    first = source.token()
    source.invalidate()
    assert source.token() is not first
