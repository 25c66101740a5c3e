"""An independent OAuth client (Authlib) completes client credentials, introspection and
revocation against the live server, using only its discovery document."""

from __future__ import annotations

import httpx
from authlib.integrations.httpx_client import OAuth2Client

from tests.integration.helpers import discovery
from tests.support.live import LiveServer


def test_authlib_client_credentials_introspect_revoke(live_server: LiveServer) -> None:
    client_id, secret = live_server.m2m
    for issuer in (live_server.issuer, live_server.platform_issuer):
        meta = discovery(issuer)
        for method in ("client_secret_basic", "client_secret_post"):
            with OAuth2Client(
                client_id, secret, token_endpoint_auth_method=method, scope="sign:job"
            ) as client:
                token = client.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
                assert token["token_type"] == "Bearer"
                access = token["access_token"]
                info = client.introspect_token(meta["introspection_endpoint"], token=access)
                assert info.status_code == 200
                assert info.json()["active"] is True
                assert info.json()["client_id"] == client_id
                revoked = client.revoke_token(
                    meta["revocation_endpoint"], token=access, token_type_hint="access_token"
                )
                assert revoked.status_code == 200
                after = client.introspect_token(meta["introspection_endpoint"], token=access)
                assert after.json() == {"active": False}
    # The revoked token is refused by the token exchange too.
    response = httpx.post(
        f"{live_server.issuer}/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "subject_token": access,
            "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
        },
        auth=live_server.m2m,
    )
    assert response.json()["error"] == "invalid_grant"
