"""Key rotation (next → active → retired) and per-issuer algorithms, verified with PyJWT and
joserfc against the published JWKS."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import jwt as pyjwt
import pytest
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet

from tests.integration.helpers import client_credentials_token, verify_with_pyjwt
from tests.support.live import LiveServer


def jwks(issuer: str) -> list[dict[str, str]]:
    keys: list[dict[str, str]] = httpx.get(f"{issuer}/jwks").json()["keys"]
    return keys


def kid_of(token: str) -> str:
    return str(pyjwt.get_unverified_header(token)["kid"])


def test_rotation_keeps_old_tokens_verifying(make_live_server: Callable[..., LiveServer]) -> None:
    server = make_live_server()
    before = jwks(server.issuer)
    old_token = client_credentials_token(server.issuer, server.m2m)["access_token"]
    old_kid = kid_of(old_token)
    next_kids = {k["kid"] for k in before} - {old_kid}
    assert len(next_kids) == 1  # the next key is published before it signs anything

    output = server.cli("keys", "rotate", "--issuer", "demo").stdout
    assert "demo: active" in output

    deadline = time.monotonic() + 10
    new_token = old_token
    while time.monotonic() < deadline and kid_of(new_token) == old_kid:
        time.sleep(0.1)
        new_token = client_credentials_token(server.issuer, server.m2m)["access_token"]
    assert kid_of(new_token) in next_kids  # the published next key became the active one
    after = {k["kid"] for k in jwks(server.issuer)}
    assert old_kid in after  # retired, still published
    assert next_kids <= after
    assert len(after) == 3  # retired + active + a new next
    # The token signed before the rotation still verifies against the published JWKS.
    assert verify_with_pyjwt(old_token, server.issuer, audience="demo")["sub"] == server.m2m[0]
    verify_with_pyjwt(new_token, server.issuer, audience="demo")
    introspected = httpx.post(
        f"{server.issuer}/token/introspection", data={"token": old_token}, auth=server.m2m
    ).json()
    assert introspected["active"] is True
    # The platform issuer was not rotated.
    listing = server.cli("keys", "list").stdout
    assert listing.count("retired") == 1


def test_rotating_every_issuer(make_live_server: Callable[..., LiveServer]) -> None:
    server = make_live_server()
    output = server.cli("keys", "rotate").stdout
    assert "platform: active" in output
    assert "demo: active" in output
    unknown = server.cli("keys", "rotate", "--issuer", "nope", check=False)
    assert unknown.returncode == 2
    assert "no issuer named 'nope'" in unknown.stderr


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
@pytest.mark.parametrize(("alg", "kty"), [("ES256", "EC"), ("EdDSA", "OKP")])
def test_issuers_can_sign_with_es256_and_eddsa(live_server: LiveServer, alg: str, kty: str) -> None:
    slug = f"alg-{alg.lower()}"
    live_server.cli("apps", "create", "--workspace", "demo", "--slug", slug, "--alg", alg)
    client = live_server.cli_json("clients", "create", "--app", slug, "--name", "m", "--scope", "s")
    issuer = f"{live_server.base_url}/{slug}"
    token = client_credentials_token(issuer, (client["client_id"], client["client_secret"]))[
        "access_token"
    ]
    assert pyjwt.get_unverified_header(token)["alg"] == alg
    published = jwks(issuer)
    assert all(k["kty"] == kty and k["alg"] == alg for k in published)
    # joserfc, a second independent implementation, verifies it too.
    keyset = KeySet.import_key_set({"keys": published})
    decoded = jose_jwt.decode(token, keyset, algorithms=[alg])
    assert decoded.claims["iss"] == issuer
    assert decoded.header["typ"] == "at+jwt"
