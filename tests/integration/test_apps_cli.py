"""`bastion apps create | list`: new issuers with their own algorithm, served at once."""

from __future__ import annotations

import time

import httpx
import jwt as pyjwt

from tests.integration.helpers import client_credentials_token
from tests.support.live import LiveServer


def test_an_app_created_after_a_miss_is_served_without_waiting_for_the_cache(
    live_server: LiveServer,
) -> None:
    slug = "late-es256"
    issuer = f"{live_server.base_url}/{slug}"
    assert httpx.get(f"{issuer}/jwks").status_code == 404  # now cached as unknown for 5 s
    missed_at = time.monotonic()
    created = live_server.cli_json(
        "apps", "create", "--workspace", "demo", "--slug", slug, "--alg", "ES256"
    )
    assert created["issuer"] == issuer
    assert created["signing_alg"] == "ES256"
    while httpx.get(f"{issuer}/jwks").status_code == 404:
        # Served before the negative entry expires: the change event evicted it.
        assert time.monotonic() - missed_at < 4.5, "the new issuer waited for the cache TTL"
        time.sleep(0.05)
    client = live_server.cli_json("clients", "create", "--app", slug, "--name", "m", "--scope", "s")
    token = client_credentials_token(issuer, (client["client_id"], client["client_secret"]))
    assert pyjwt.get_unverified_header(token["access_token"])["alg"] == "ES256"
    listed = live_server.cli_json("apps", "list", "--workspace", "demo")
    assert slug in {a["slug"] for a in listed}


def test_bad_requests_are_named(live_server: LiveServer) -> None:
    taken = live_server.cli("apps", "create", "--workspace", "demo", "--slug", "demo", check=False)
    assert taken.returncode == 2
    assert "taken" in taken.stderr
    nowhere = live_server.cli(
        "apps", "create", "--workspace", "nope", "--slug", "fine-slug", check=False
    )
    assert nowhere.returncode == 2
    assert "no workspace 'nope'" in nowhere.stderr
    reserved = live_server.cli(
        "apps", "create", "--workspace", "demo", "--slug", "api", check=False
    )
    assert reserved.returncode == 2
