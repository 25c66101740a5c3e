"""The scenarios: what each one sends to each server, and the check that its answers are right
before any load is measured.

Every scenario is the same HTTP request shape for both servers (same method, form, client
authentication and generator script); only the issuer URL differs. Where the two servers cannot
do the same thing, the difference is written in the scenario's ``note`` and shows in the table.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.flows import FlowError, refresh_tokens
from bench.servers import TMP, Issuer, Server

ACTIVE = '"active":true'


@dataclass
class Target:
    """One scenario against one server: a URL, a wrk script and its environment."""

    url: str
    script: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    # Counters the script prints that must be non-zero for the load to count ("expected").
    check: Callable[[dict[str, int]], str | None] | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    prepare: Callable[[Server], Target]
    note: str = ""
    needs_grants: frozenset[str] = frozenset()
    bastion_only: bool = False
    connections: int | None = None  # when set: this many threads and connections
    # Each load uses up what prepare() made (rotated refresh tokens): prepare again, no warm-up.
    consumes_state: bool = False


def basic(issuer: Issuer) -> str:
    raw = f"{issuer.client.client_id}:{issuer.client.client_secret}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def _metadata(issuer: Issuer) -> dict[str, Any]:
    response = httpx.get(f"{issuer.url}/.well-known/openid-configuration", timeout=10)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def _cc_form(issuer: Issuer) -> dict[str, str]:
    return {"grant_type": "client_credentials", "scope": "api", "resource": issuer.resource}


def _token(issuer: Issuer, form: dict[str, str], client: httpx.Client | None = None) -> str:
    meta = _metadata(issuer)
    response = (client or httpx).post(
        meta["token_endpoint"], data=form, headers={"authorization": basic(issuer)}, timeout=10
    )
    if response.status_code != 200:
        raise ScenarioError(f"token request refused: {response.status_code} {response.text}")
    return str(response.json()["access_token"])


class ScenarioError(RuntimeError):
    pass


def _jwt_header(token: str) -> dict[str, Any]:
    segment = token.split(".")[0]
    header: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    )
    return header


def _get(path: Callable[[dict[str, Any]], str]) -> Callable[[Server], Target]:
    def prepare(server: Server) -> Target:
        assert server.rs256 is not None
        meta = _metadata(server.rs256)
        url = path(meta)
        if httpx.get(url, timeout=10).status_code != 200:
            raise ScenarioError(f"GET {url} failed")
        return Target(url)

    return prepare


def _client_credentials(alg: str) -> Callable[[Server], Target]:
    def prepare(server: Server) -> Target:
        issuer = server.rs256 if alg == "RS256" else server.es256
        assert issuer is not None
        form = _cc_form(issuer)
        header = _jwt_header(_token(issuer, form))
        if header.get("alg") != alg or header.get("typ") != "at+jwt":
            raise ScenarioError(f"expected an {alg} at+jwt access token, got {header}")
        return Target(
            _metadata(issuer)["token_endpoint"],
            "post.lua",
            {"BENCH_BODY": urllib.parse.urlencode(form), "BENCH_AUTHORIZATION": basic(issuer)},
        )

    return prepare


def _introspected_token(server: Server, client: httpx.Client | None = None) -> str:
    """What each server can introspect: Bastion its JWT access token; the peer refuses to
    introspect JWTs, so an opaque token (client credentials without a resource)."""
    assert server.rs256 is not None
    if server.name == "peer":
        form = {"grant_type": "client_credentials", "scope": "api"}
        return _token(server.rs256, form, client)
    return _token(server.rs256, _cc_form(server.rs256), client)


def _introspection(server: Server) -> Target:
    assert server.rs256 is not None
    url = _metadata(server.rs256)["introspection_endpoint"]
    with httpx.Client(timeout=10) as client:  # one connection: one worker of the peer
        token = _introspected_token(server, client)
        first = client.post(
            url, data={"token": token}, headers={"authorization": basic(server.rs256)}
        )
    if first.status_code != 200 or first.json().get("active") is not True:
        raise ScenarioError(f"introspection did not answer active: {first.text}")
    return Target(
        url,
        "post.lua",
        {
            "BENCH_BODY": urllib.parse.urlencode({"token": token}),
            "BENCH_AUTHORIZATION": basic(server.rs256),
            "BENCH_EXPECT": ACTIVE,
        },
    )


REVOCATION_POOL = 500


def _revocation(server: Server) -> Target:
    assert server.rs256 is not None
    url = _metadata(server.rs256)["revocation_endpoint"]
    pool = [_introspected_token(server) for _ in range(REVOCATION_POOL)]
    path = TMP / f"revocation-{server.name}.txt"
    path.write_text("\n".join(pool) + "\n")
    return Target(
        url,
        "rotate.lua",
        {
            "BENCH_TOKENS": str(path),
            "BENCH_PREFIX": "token_type_hint=access_token&token=",
            "BENCH_AUTHORIZATION": basic(server.rs256),
        },
    )


def _refresh(server: Server) -> Target:
    assert server.rs256 is not None
    meta = _metadata(server.rs256)
    try:
        pool = refresh_tokens(server, meta, count=REFRESH_POOL * REFRESH_CONNECTIONS)
    except FlowError as exc:
        raise ScenarioError(f"could not obtain refresh tokens: {exc}") from None
    path = TMP / f"refresh-{server.name}.txt"
    path.write_text("\n".join(pool) + "\n")
    return Target(
        meta["token_endpoint"],
        "refresh_chain.lua",
        {
            "BENCH_TOKENS": str(path),
            "BENCH_AUTHORIZATION": basic(server.rs256),
            "BENCH_THREADS": str(REFRESH_CONNECTIONS),
        },
        check=lambda extra: (
            "a load thread found no usable refresh token" if extra.get("stuck") else None
        ),
    )


REFRESH_POOL = 12  # tokens per load thread (see lua/refresh_chain.lua)
REFRESH_CONNECTIONS = 16  # and as many threads: one chain per connection
INTERACTIVE = frozenset({"authorization_code", "refresh_token"})

SCENARIOS = [
    Scenario(
        "discovery",
        "discovery document",
        _get(lambda m: m["issuer"] + "/.well-known/openid-configuration"),
    ),
    Scenario("jwks", "JWKS", _get(lambda m: str(m["jwks_uri"]))),
    Scenario("cc_rs256", "client_credentials, RS256 JWT", _client_credentials("RS256")),
    Scenario("cc_es256", "client_credentials, ES256 JWT", _client_credentials("ES256")),
    Scenario(
        "introspection",
        "introspection of a valid token",
        _introspection,
        note="Bastion introspects its RS256 JWT (signature, claims, revocation check); the peer "
        "refuses JWTs, so it introspects an opaque token. The peer keeps tokens per process: "
        "in a cluster a token is known only to the worker that issued it, so some of its "
        "answers are active:false (see 'expected').",
    ),
    Scenario(
        "revocation",
        "revocation",
        _revocation,
        note=f"A pool of {REVOCATION_POOL} valid tokens per server, cycled: the first pass "
        "revokes them, later passes present tokens already revoked (RFC 7009: 200 either way).",
    ),
    Scenario(
        "refresh",
        "refresh-token rotation",
        _refresh,
        needs_grants=INTERACTIVE,
        connections=REFRESH_CONNECTIONS,
        consumes_state=True,
        note="Each load connection follows its own rotation chain (the new refresh token is the "
        "next one presented); scopes openid offline_access api, so each grant also signs an ID "
        "token. Run with threads = connections.",
    ),
]


def available(scenario: Scenario, server: Server) -> str | None:
    """Why the scenario cannot run against this server, or None."""
    if scenario.bastion_only and server.name != "bastion":
        return "not offered by this server"
    if scenario.needs_grants:
        assert server.rs256 is not None
        offered = set(_metadata(server.rs256).get("grant_types_supported", ()))
        missing = scenario.needs_grants - offered
        if missing:
            return "grant types not offered yet: " + ", ".join(sorted(missing))
    return None


def scenario_names() -> list[str]:
    return [s.name for s in SCENARIOS]
