"""The scenarios: what each one sends to each server, and the check that its answers are right
before any load is measured.

Every scenario is the same HTTP request shape for both servers (same method, form, client
authentication and generator script); only the issuer URL differs. Where the two servers cannot
do the same thing, the difference is written in the scenario's ``note`` and shows in the table.
The scenarios that use up what they prepare (revocation, refresh, sign-in) are in
``stateful.py``.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Callable
from typing import Any

import httpx

from bench import stateful
from bench.servers import Server
from bench.targets import (
    LoadPlan,
    Scenario,
    ScenarioError,
    Target,
    access_token,
    basic,
    cc_form,
    introspected_token,
    metadata,
)

ACTIVE = '"active":true'
INTERACTIVE = frozenset({"authorization_code", "refresh_token"})
REVOCATION_SECONDS = 10.0  # each second of load needs its own thousands of fresh tokens


def _jwt_header(token: str) -> dict[str, Any]:
    segment = token.split(".")[0]
    header: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    )
    return header


def _get(path: Callable[[dict[str, Any]], str]) -> Callable[[Server, LoadPlan], Target]:
    def prepare(server: Server, _plan: LoadPlan) -> Target:
        assert server.rs256 is not None
        meta = metadata(server.rs256)
        url = path(meta)
        if httpx.get(url, timeout=10).status_code != 200:
            raise ScenarioError(f"GET {url} failed")
        return Target(url)

    return prepare


def _client_credentials(alg: str) -> Callable[[Server, LoadPlan], Target]:
    def prepare(server: Server, _plan: LoadPlan) -> Target:
        issuer = server.rs256 if alg == "RS256" else server.es256
        assert issuer is not None
        form = cc_form(issuer)
        header = _jwt_header(access_token(issuer, form))
        if header.get("alg") != alg or header.get("typ") != "at+jwt":
            raise ScenarioError(f"expected an {alg} at+jwt access token, got {header}")
        return Target(
            metadata(issuer)["token_endpoint"],
            "post.lua",
            {"BENCH_BODY": urllib.parse.urlencode(form), "BENCH_AUTHORIZATION": basic(issuer)},
        )

    return prepare


def _introspection(server: Server, _plan: LoadPlan) -> Target:
    assert server.rs256 is not None
    url = metadata(server.rs256)["introspection_endpoint"]
    with httpx.Client(timeout=10) as client:  # one connection: one worker of the peer
        token = introspected_token(server, client)
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


SCENARIOS = [
    Scenario(
        "discovery",
        "discovery document",
        _get(lambda m: m["issuer"] + "/.well-known/openid-configuration"),
    ),
    Scenario("jwks", "JWKS", _get(lambda m: str(m["jwks_uri"]))),
    Scenario(
        "cc_rs256",
        "client_credentials, RS256 JWT",
        _client_credentials("RS256"),
        signatures=("rs256", 1),
    ),
    Scenario(
        "cc_es256",
        "client_credentials, ES256 JWT",
        _client_credentials("ES256"),
        signatures=("es256", 1),
    ),
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
        stateful.revocation,
        consumes_state=True,
        max_seconds=REVOCATION_SECONDS,
        note="Every request revokes a live token (RFC 7009, token_type_hint=access_token): "
        "each load gets a pool minted for it by the server itself, each token presented once "
        "(sized from the warm-up's rate; figures are discarded if it runs out). Bastion "
        "checks its RS256 JWT's jti tag (an HMAC over issuer, client and expiry, in place of "
        "the signature) and deny-lists the jti durably; the peer deletes an opaque token, "
        "and, keeping tokens per process, finds in a cluster only those its worker issued: "
        "for the others it has nothing to delete (RFC 7009 answers 200 either way), which is "
        "cheaper.",
    ),
    Scenario(
        "revocation_again",
        "revocation of a token already revoked",
        stateful.revocation_again,
        note=f"Round 1's revocation scenario: a pool of {stateful.REVOKED_POOL} tokens per "
        "server, each revoked once before the loads, presented again in turn (RFC 7009 "
        "answers 200 again). After the jti tag check, Bastion finds the "
        "jti among those its worker revoked, or, for one the other worker revoked, repeats the "
        "deny-list insert, which leaves the listed row alone (once per worker and token); the "
        "peer finds nothing to delete.",
    ),
    Scenario(
        "refresh",
        "refresh-token rotation",
        stateful.refresh,
        needs_grants=INTERACTIVE,
        connections=stateful.CONNECTIONS,
        consumes_state=True,
        signatures=("rs256", 2),
        note="Each load connection follows its own rotation chain (the new refresh token is the "
        "next one presented); the starting tokens come from authorization-code flows through "
        "each server's sign-in pages (the peer's is a minimal bench page, as it ships none in "
        "production), fresh for every load; figures are discarded if a chain breaks. Scopes "
        "openid offline_access api, so each grant also signs an ID token.",
    ),
    Scenario(
        "signin",
        "password sign-in through the hosted form",
        stateful.sign_in,
        needs_grants=INTERACTIVE,
        bastion_only=True,
        connections=stateful.CONNECTIONS,
        note="One login: GET the authorization endpoint (prompt=login), GET the sign-in page, "
        "POST the password form (argon2id at the OWASP minimum, m=19 MiB t=2 p=1, CSRF token "
        "and cookie checked), then the client redeems the code (PKCE) for tokens; each "
        "connection is one browser. Bastion only: node-oidc-provider ships no production "
        "login form (the bench's page for the peer compares plain strings and is no sign-in "
        "to measure), so the comparison is per core with Keycloak's sizing guide and with "
        "argon2id verifications measured bare in the same run (see below).",
    ),
]


def available(scenario: Scenario, server: Server) -> str | None:
    """Why the scenario cannot run against this server, or None."""
    if scenario.bastion_only and server.kind != "bastion":
        return "not offered by this server"
    if scenario.needs_grants:
        assert server.rs256 is not None
        offered = set(metadata(server.rs256).get("grant_types_supported", ()))
        missing = scenario.needs_grants - offered
        if missing:
            return "grant types not offered yet: " + ", ".join(sorted(missing))
    return None


def scenario_names() -> list[str]:
    return [s.name for s in SCENARIOS]
