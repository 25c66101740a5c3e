"""What every scenario is made of: a target per server (URL, wrk script, environment, check),
the plan of the load it is prepared for, and the requests the preparations share."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.servers import Issuer, Server


@dataclass
class Target:
    """One scenario against one server: a URL, a wrk script and its environment."""

    url: str
    script: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    # Reads the counters the script prints; says why the load does not count, or None.
    check: Callable[[dict[str, int]], str | None] | None = None


@dataclass(frozen=True)
class LoadPlan:
    """What a load will be, for scenarios that size what they prepare by it."""

    seconds: float
    threads: int
    expected_rate: float | None = None  # requests/s this server reached before, if known


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    prepare: Callable[[Server, LoadPlan], Target]
    note: str = ""
    needs_grants: frozenset[str] = frozenset()
    bastion_only: bool = False
    connections: int | None = None  # when set: this many threads and connections
    # Each load uses up what prepare() made (revoked or rotated tokens): the warm-up and every
    # measured load get a fresh prepare().
    consumes_state: bool = False
    max_seconds: float | None = None  # a shorter measured load than the run's default
    # What both servers sign per request (algorithm, count), for the crypto-floor lines.
    signatures: tuple[str, int] | None = None


def basic(issuer: Issuer) -> str:
    raw = f"{issuer.client.client_id}:{issuer.client.client_secret}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def metadata(issuer: Issuer) -> dict[str, Any]:
    response = httpx.get(f"{issuer.url}/.well-known/openid-configuration", timeout=10)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def cc_form(issuer: Issuer) -> dict[str, str]:
    return {"grant_type": "client_credentials", "scope": "api", "resource": issuer.resource}


def access_token(issuer: Issuer, form: dict[str, str], client: httpx.Client | None = None) -> str:
    meta = metadata(issuer)
    response = (client or httpx).post(
        meta["token_endpoint"], data=form, headers={"authorization": basic(issuer)}, timeout=10
    )
    if response.status_code != 200:
        raise ScenarioError(f"token request refused: {response.status_code} {response.text}")
    return str(response.json()["access_token"])


class ScenarioError(RuntimeError):
    pass


def introspected_token(server: Server, client: httpx.Client | None = None) -> str:
    """What each server can introspect: Bastion its JWT access token; the peer refuses to
    introspect JWTs, so an opaque token (client credentials without a resource)."""
    assert server.rs256 is not None
    return access_token(server.rs256, introspected_form(server), client)


def introspected_form(server: Server) -> dict[str, str]:
    assert server.rs256 is not None
    if server.kind == "peer":
        return {"grant_type": "client_credentials", "scope": "api"}
    return cc_form(server.rs256)
