"""The scenarios that use up what they prepare, so every load gets a fresh preparation, and
whose scripts count what happened so that a load that did not do what it claims is discarded.

* revocation: a pool of live tokens minted for this load, each revoked once; sized from the
  rate seen in the warm-up, so the pool outlasts the load (if it runs out, the figures go).
* refresh: refresh tokens from real authorization-code flows through the servers' sign-in
  pages; each connection follows one rotation chain (a chain that breaks voids the figures).
* sign-in: Bastion's hosted form, driven like a browser without JavaScript, code redeemed.
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
import secrets
from urllib.parse import urlencode, urlsplit

import httpx

from bench.flows import REDIRECT_URI, FlowError, authorization_code_tokens, refresh_tokens
from bench.loadgen import mint_tokens
from bench.servers import TMP, USER_NAME, Server
from bench.targets import LoadPlan, ScenarioError, Target, basic, introspected_form, metadata

REVOCATION_MIN_POOL = 2_000
REVOKED_POOL = 500
POOL_MARGIN = 2.0  # tokens minted per revocation the load is expected to make
REFRESH_POOL = 12  # tokens per load thread (see lua/refresh_chain.lua)
CONNECTIONS = 16  # refresh and sign-in: as many threads, one connection (one browser) each


def revocation(server: Server, plan: LoadPlan) -> Target:
    """Live tokens to revoke: a small pool (cycled) for the warm-up; for a measured load,
    enough for its expected rate over its length, each presented once."""
    size = REVOCATION_MIN_POOL
    if plan.expected_rate is not None:
        size = max(size, math.ceil(plan.expected_rate * plan.seconds * POOL_MARGIN))
    target, pool = _revocations(server, plan, size, "revocation")
    target.check = lambda extra: _pool_outlasted(extra, len(pool))
    return target


def revocation_again(server: Server, plan: LoadPlan) -> Target:
    """Round 1's scenario: a pool of tokens, each revoked once here, presented again and again
    (clients retry revocations; RFC 7009 answers 200 again)."""
    target, pool = _revocations(server, plan, REVOKED_POOL, "revoked")
    assert server.rs256 is not None
    auth = {"authorization": basic(server.rs256)}
    with httpx.Client(timeout=10) as client:
        for token in pool:
            client.post(target.url, data={"token": token}, headers=auth)
    return target


def _revocations(server: Server, plan: LoadPlan, size: int, name: str) -> tuple[Target, list[str]]:
    """A pool of ``size`` tokens minted by the server, and revoke.lua's target over it."""
    assert server.rs256 is not None
    meta = metadata(server.rs256)
    path = TMP / f"{name}-{server.name}.txt"
    form = urlencode(introspected_form(server))
    pool = mint_tokens(meta["token_endpoint"], form, basic(server.rs256), count=size, out=path)
    target = Target(
        meta["revocation_endpoint"],
        "revoke.lua",
        {
            "BENCH_TOKENS": str(path),
            "BENCH_PREFIX": "token_type_hint=access_token&token=",
            "BENCH_AUTHORIZATION": basic(server.rs256),
            "BENCH_THREADS": str(plan.threads),
        },
    )
    return target, pool


def _pool_outlasted(extra: dict[str, int], size: int) -> str | None:
    if extra.get("repeats"):
        return (
            f"the pool of {size:,} tokens ran out: {extra['repeats']:,} presentations were of "
            "tokens already revoked"
        )
    return None


def refresh(server: Server, plan: LoadPlan) -> Target:
    assert server.rs256 is not None
    meta = metadata(server.rs256)
    try:
        pool = refresh_tokens(server, meta, count=REFRESH_POOL * plan.threads)
    except FlowError as exc:
        raise ScenarioError(f"could not obtain refresh tokens: {exc}") from None
    # Consecutive flows alternate between a cluster's workers, and so would each load thread's
    # share of the pool (every T-th token): shuffled, a thread's tokens come from all workers.
    random.shuffle(pool)
    path = TMP / f"refresh-{server.name}.txt"
    path.write_text("\n".join(pool) + "\n")
    return Target(
        meta["token_endpoint"],
        "refresh_chain.lua",
        {
            "BENCH_TOKENS": str(path),
            "BENCH_AUTHORIZATION": basic(server.rs256),
            "BENCH_THREADS": str(plan.threads),
        },
        check=_chains_held,
    )


def _chains_held(extra: dict[str, int]) -> str | None:
    if extra.get("broken"):
        return f"{extra['broken']} rotation chains broke (a freshly rotated token was refused)"
    if extra.get("stuck"):
        return "a load thread found no usable refresh token"
    if not extra.get("rotations"):
        return "no refresh token was rotated"
    return None


def sign_in(server: Server, _plan: LoadPlan) -> Target:
    """Bastion's hosted sign-in, as signin.lua drives it. One flow first (through flows.py, any
    consent asked) checks the pages and leaves the consent remembered, as for a returning user."""
    assert server.rs256 is not None
    meta = metadata(server.rs256)
    with httpx.Client(timeout=30, follow_redirects=False) as client:
        try:
            authorization_code_tokens(client, meta, server, scope="openid")
        except FlowError as exc:
            raise ScenarioError(f"the sign-in flow failed: {exc}") from None
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    query = {
        "client_id": server.rs256.client.client_id,
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": REDIRECT_URI,
        "state": "bench",
        "code_challenge": base64.urlsafe_b64encode(digest).rstrip(b"=").decode(),
        "code_challenge_method": "S256",
        "prompt": "login",
    }
    authorize = f"{urlsplit(meta['authorization_endpoint']).path}?{urlencode(query)}"
    redeem = {
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    return Target(
        server.base_url + authorize,
        "signin.lua",
        {
            "BENCH_AUTHORIZE": authorize,
            "BENCH_TOKEN_PATH": urlsplit(meta["token_endpoint"]).path,
            "BENCH_AUTHORIZATION": basic(server.rs256),
            "BENCH_LOGIN_FORM": urlencode(
                {"identifier": USER_NAME, "password": server.user_password}
            ),
            "BENCH_REDEEM_FORM": urlencode(redeem),
        },
        check=_logins_done,
    )


def _logins_done(extra: dict[str, int]) -> str | None:
    if extra.get("failures"):
        return f"{extra['failures']} sign-ins did not end with tokens"
    if not extra.get("logins"):
        return "no sign-in completed"
    return None
