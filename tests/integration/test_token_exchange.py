"""RFC 8693 token exchange for access-token subjects, as the builder contract uses it."""

from __future__ import annotations

import httpx
import jwt as pyjwt

from tests.integration.helpers import client_credentials_token, post_token, verify_with_pyjwt
from tests.support.live import LiveServer

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"
SIGNER = "urn:pmth:token-type:remote-signer-session"


def exchange(issuer: str, auth: tuple[str, str], subject: str, **form: str) -> httpx.Response:
    return post_token(
        issuer,
        auth,
        grant_type=EXCHANGE,
        subject_token=subject,
        subject_token_type=ACCESS,
        **form,
    )


def machine_token(server: LiveServer, issuer: str | None = None, **form: str) -> str:
    token: str = client_credentials_token(issuer or server.platform_issuer, server.m2m, **form)[
        "access_token"
    ]
    return token


def test_with_a_resource_the_result_is_a_jwt_for_that_audience(live_server: LiveServer) -> None:
    subject = machine_token(live_server)
    response = exchange(
        live_server.platform_issuer,
        live_server.m2m,
        subject,
        resource=live_server.platform_issuer,
        requested_token_type=ACCESS,
        scope="sign:job",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["issued_token_type"] == ACCESS
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
    assert body["token_type"] == "Bearer"
    claims = verify_with_pyjwt(
        body["access_token"], live_server.platform_issuer, audience=live_server.platform_issuer
    )
    assert claims["scope"] == "sign:job"
    assert claims["sub"] == live_server.m2m[0]


def test_without_a_resource_sign_job_yields_an_opaque_signer_session(
    live_server: LiveServer,
) -> None:
    subject = machine_token(live_server)
    response = exchange(
        live_server.platform_issuer,
        live_server.m2m,
        subject,
        requested_token_type=ACCESS,
        scope="sign:job",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["access_token"].startswith("pmth_")
    assert not body["access_token"].startswith("eyJ")
    assert body["access_token"].count(".") == 0
    assert body["issued_token_type"] == SIGNER
    assert body["expires_in"] == 7_776_000
    assert body["scope"] == "sign:job"


def test_exchange_at_an_app_issuer_without_resource_gives_a_jwt(live_server: LiveServer) -> None:
    subject = machine_token(live_server, live_server.issuer)
    response = exchange(live_server.issuer, live_server.m2m, subject)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["issued_token_type"] == ACCESS
    verify_with_pyjwt(body["access_token"], live_server.issuer, audience="demo")


def test_a_public_clients_subject_exchanged_by_a_linked_m2m_client_names_the_actor(
    live_server: LiveServer,
) -> None:
    other = live_server.cli_json(
        "clients",
        "create",
        "--app",
        "demo",
        "--name",
        "second m2m",
        "--scope",
        "sign:job",
        "--grant",
        "client_credentials",
        "--grant",
        EXCHANGE,
    )
    subject = client_credentials_token(
        live_server.platform_issuer, (other["client_id"], other["client_secret"])
    )["access_token"]
    body = exchange(
        live_server.platform_issuer, live_server.m2m, subject, resource=live_server.platform_issuer
    ).json()
    claims = pyjwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["client_id"] == other["client_id"]
    assert claims["sub"] == other["client_id"]
    assert claims["act"] == {"sub": live_server.m2m[0]}


def test_garbage_subject_is_invalid_grant_with_a_description(live_server: LiveServer) -> None:
    response = exchange(live_server.platform_issuer, live_server.m2m, "garbage")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_grant"
    assert body["error_description"]
    assert "www-authenticate" not in response.headers


def test_scope_cannot_grow_in_an_exchange(live_server: LiveServer) -> None:
    subject = machine_token(live_server, scope="sign:job")
    response = exchange(
        live_server.platform_issuer, live_server.m2m, subject, scope="sign:job users:write"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_subjects_from_another_app_cannot_be_exchanged(live_server: LiveServer) -> None:
    live_server.cli("apps", "create", "--workspace", "demo", "--slug", "exchange-other")
    foreign = live_server.cli_json(
        "clients",
        "create",
        "--app",
        "exchange-other",
        "--name",
        "foreign",
        "--scope",
        "sign:job",
        "--grant",
        "client_credentials",
        "--grant",
        EXCHANGE,
    )
    foreign_auth = (foreign["client_id"], foreign["client_secret"])
    subject = client_credentials_token(live_server.platform_issuer, foreign_auth)["access_token"]
    response = exchange(live_server.platform_issuer, live_server.m2m, subject)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    # ...and a token of the other app's issuer is not trusted at the demo app's issuer.
    app_token = client_credentials_token(f"{live_server.base_url}/exchange-other", foreign_auth)[
        "access_token"
    ]
    response = exchange(live_server.issuer, live_server.m2m, app_token)
    assert response.json()["error"] == "invalid_grant"


def test_unsupported_token_types_and_actor_tokens(live_server: LiveServer) -> None:
    subject = machine_token(live_server)
    bad_type = post_token(
        live_server.platform_issuer,
        live_server.m2m,
        grant_type=EXCHANGE,
        subject_token=subject,
        subject_token_type="urn:ietf:params:oauth:token-type:saml2",
    )
    assert bad_type.json()["error"] == "invalid_request"
    actor = exchange(
        live_server.platform_issuer,
        live_server.m2m,
        subject,
        actor_token=subject,
        actor_token_type=ACCESS,
    )
    assert actor.json()["error"] == "invalid_request"
    requested = exchange(
        live_server.platform_issuer,
        live_server.m2m,
        subject,
        requested_token_type="urn:ietf:params:oauth:token-type:id_token",
    )
    assert requested.json()["error"] == "invalid_request"
    missing = post_token(live_server.platform_issuer, live_server.m2m, grant_type=EXCHANGE)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"


def test_a_revoked_subject_cannot_be_exchanged(live_server: LiveServer) -> None:
    subject = machine_token(live_server)
    revoked = httpx.post(
        f"{live_server.platform_issuer}/token/revocation",
        data={"token": subject},
        auth=live_server.m2m,
    )
    assert revoked.status_code == 200
    response = exchange(live_server.platform_issuer, live_server.m2m, subject)
    assert response.json()["error"] == "invalid_grant"
