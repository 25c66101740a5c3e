"""Discovery documents and JWKS for per-app issuers and the shared platform issuer."""

from __future__ import annotations

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import PyJWK

from tests.integration.helpers import discovery
from tests.support.live import LiveServer


def test_app_and_platform_issuers_publish_exact_issuer_strings(live_server: LiveServer) -> None:
    for issuer in (live_server.issuer, live_server.platform_issuer):
        doc = discovery(issuer)
        assert doc["issuer"] == issuer
        assert not doc["issuer"].endswith("/")
        assert doc["token_endpoint"] == f"{issuer}/token"
        assert doc["jwks_uri"] == f"{issuer}/jwks"
        assert doc["introspection_endpoint"] == f"{issuer}/token/introspection"
        assert doc["revocation_endpoint"] == f"{issuer}/token/revocation"
        assert "client_credentials" in doc["grant_types_supported"]
        assert set(doc["token_endpoint_auth_methods_supported"]) == {
            "client_secret_basic",
            "client_secret_post",
        }
    assert live_server.platform_issuer == f"{live_server.base_url}/api/v1/oidc"
    assert live_server.issuer == f"{live_server.base_url}/demo"


def test_oauth_metadata_under_issuer_and_at_rfc8414_location(live_server: LiveServer) -> None:
    under = httpx.get(f"{live_server.issuer}/.well-known/oauth-authorization-server")
    root = httpx.get(f"{live_server.base_url}/.well-known/oauth-authorization-server/demo")
    platform = httpx.get(
        f"{live_server.base_url}/.well-known/oauth-authorization-server/api/v1/oidc"
    )
    assert under.status_code == root.status_code == platform.status_code == 200
    assert under.json() == root.json()
    assert platform.json()["issuer"] == live_server.platform_issuer
    assert under.headers["access-control-allow-origin"] == "*"


def test_unknown_issuer_is_the_same_404_as_an_unknown_path(live_server: LiveServer) -> None:
    unknown_app = httpx.get(f"{live_server.base_url}/no-such-app/.well-known/openid-configuration")
    unknown_path = httpx.get(f"{live_server.issuer}/no/such/path")
    rfc8414 = httpx.get(f"{live_server.base_url}/.well-known/oauth-authorization-server/nope")
    for response in (unknown_app, unknown_path, rfc8414):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"] == "not_found"
    assert unknown_app.content == unknown_path.content


def test_jwks_publishes_active_and_next_keys_with_kid_use_alg(live_server: LiveServer) -> None:
    for issuer in (live_server.issuer, live_server.platform_issuer):
        response = httpx.get(f"{issuer}/jwks")
        assert response.status_code == 200
        keys = response.json()["keys"]
        assert len(keys) >= 2  # the active key and the next one, published ahead of use
        kids = [k["kid"] for k in keys]
        assert len(set(kids)) == len(kids)
        for jwk in keys:
            assert jwk["use"] == "sig"
            assert jwk["alg"] == "RS256"
            assert jwk["kty"] == "RSA"
            assert "d" not in jwk and "p" not in jwk
            public = PyJWK.from_dict(jwk).key
            assert isinstance(public, RSAPublicKey)
            assert public.key_size >= 2048


def test_issuers_have_distinct_key_sets(live_server: LiveServer) -> None:
    app_kids = {k["kid"] for k in httpx.get(f"{live_server.issuer}/jwks").json()["keys"]}
    platform_kids = {
        k["kid"] for k in httpx.get(f"{live_server.platform_issuer}/jwks").json()["keys"]
    }
    assert app_kids.isdisjoint(platform_kids)
