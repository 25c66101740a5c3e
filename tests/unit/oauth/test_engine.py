"""The OAuth engine with in-memory ports: client authentication, the token endpoint's grant
dispatch, client credentials and token exchange, introspection and revocation."""

from __future__ import annotations

import pytest

from bastion.crypto.jwt import decode_unverified
from bastion.oauth import errors, token_types
from bastion.oauth.endpoints.introspection import introspection_endpoint
from bastion.oauth.endpoints.revocation import revocation_endpoint
from bastion.oauth.endpoints.token import token_endpoint
from bastion.oauth.engine import EndpointRequest
from bastion.oauth.models import ClientCredentials, OpaqueExchange
from bastion.oauth.params import Params
from tests.unit.oauth.fakes import MemoryStore, client, engine, issuer

BASIC = "client_secret_basic"


def request(pairs: dict[str, str | list[str]], creds: ClientCredentials) -> EndpointRequest:
    flat = [(k, v) for k, vs in pairs.items() for v in ([vs] if isinstance(vs, str) else vs)]
    return EndpointRequest(Params(flat), creds, "203.0.113.9")


def creds(
    client_id: str = "m2m_a", secret: str | None = "s3cret", method: str = BASIC
) -> ClientCredentials:
    return ClientCredentials(client_id, secret, method)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(clients={"m2m_a": client()})


async def test_client_credentials_claims(store: MemoryStore) -> None:
    ctx = issuer()
    result = await token_endpoint(
        request({"grant_type": "client_credentials"}, creds()), ctx, engine(store)
    )
    header, claims = decode_unverified(result.access_token)
    assert header == {"alg": "ES256", "typ": "at+jwt", "kid": ctx.keys.signing_key.kid}
    assert claims["iss"] == ctx.url
    assert claims["aud"] == "app"
    assert claims["sub"] == claims["client_id"] == "m2m_a"
    assert claims["scope"] == result.scope == "read"
    assert claims["exp"] - claims["iat"] == result.expires_in == 600


@pytest.mark.parametrize(
    ("credentials", "error"),
    [
        (creds(secret="wrong"), errors.InvalidClient),
        (creds(client_id="m2m_unknown"), errors.InvalidClient),
        (creds(secret=None, method="none"), errors.InvalidClient),
        (ClientCredentials(None, None, "none"), errors.InvalidClient),
    ],
)
async def test_client_authentication_failures(
    store: MemoryStore, credentials: ClientCredentials, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await token_endpoint(
            request({"grant_type": "client_credentials"}, credentials), issuer(), engine(store)
        )
    # Every failed guess at a client is counted for the rate limiter.
    assert store.failures or credentials.client_id is None


async def test_inactive_and_foreign_clients_are_invalid(store: MemoryStore) -> None:
    store.clients["m2m_a"] = client(active=False)
    with pytest.raises(errors.InvalidClient):
        await token_endpoint(
            request({"grant_type": "client_credentials"}, creds()), issuer(), engine(store)
        )
    store.clients["m2m_a"] = client(realm="app-2")
    with pytest.raises(errors.InvalidClient):
        await token_endpoint(
            request({"grant_type": "client_credentials"}, creds()), issuer(), engine(store)
        )
    # The platform issuer (no realm) serves every app's clients.
    platform = issuer("https://id.example/api/v1/oidc", realm=None)
    result = await token_endpoint(
        request({"grant_type": "client_credentials"}, creds()), platform, engine(store)
    )
    assert result.access_token


async def test_limiter_refuses_before_checking(store: MemoryStore) -> None:
    store.blocked = 42
    with pytest.raises(errors.TooManyRequests) as excinfo:
        await token_endpoint(
            request({"grant_type": "client_credentials"}, creds()), issuer(), engine(store)
        )
    assert excinfo.value.retry_after == 42


async def test_grant_dispatch_errors(store: MemoryStore) -> None:
    with pytest.raises(errors.UnsupportedGrantType):
        await token_endpoint(request({"grant_type": "password"}, creds()), issuer(), engine(store))
    with pytest.raises(errors.InvalidRequest):
        await token_endpoint(request({}, creds()), issuer(), engine(store))
    store.clients["m2m_a"] = client(grant_types=frozenset({token_types.GRANT_TOKEN_EXCHANGE}))
    with pytest.raises(errors.UnauthorizedClient):
        await token_endpoint(
            request({"grant_type": "client_credentials"}, creds()), issuer(), engine(store)
        )


async def test_scopes_and_audiences(store: MemoryStore) -> None:
    ctx = issuer()
    ok = await token_endpoint(
        request(
            {"grant_type": "client_credentials", "scope": "write read write", "resource": ctx.url},
            creds(),
        ),
        ctx,
        engine(store),
    )
    assert ok.scope == "write read"
    assert decode_unverified(ok.access_token)[1]["aud"] == ctx.url
    with pytest.raises(errors.InvalidScope):
        await token_endpoint(
            request({"grant_type": "client_credentials", "scope": "admin"}, creds()),
            ctx,
            engine(store),
        )
    with pytest.raises(errors.InvalidScope):
        await token_endpoint(
            request({"grant_type": "client_credentials", "scope": 'a"b'}, creds()),
            ctx,
            engine(store),
        )
    with pytest.raises(errors.InvalidTarget):
        await token_endpoint(
            request({"grant_type": "client_credentials", "resource": "relative/path"}, creds()),
            ctx,
            engine(store),
        )


async def test_exchange_paths(store: MemoryStore) -> None:
    ctx = issuer()
    signer = OpaqueExchange("read", "urn:x:session", "signer_session", "pmth_", 1000)
    platform = issuer("https://id.example/api/v1/oidc", realm=None)
    platform = type(platform)(
        **{**{f: getattr(platform, f) for f in platform.__slots__}, "opaque_exchange": signer}
    )
    store.issuers[ctx.url] = ctx
    run = engine(store)
    subject = (
        await token_endpoint(request({"grant_type": "client_credentials"}, creds()), ctx, run)
    ).access_token
    form = {
        "grant_type": token_types.GRANT_TOKEN_EXCHANGE,
        "subject_token": subject,
        "subject_token_type": token_types.ACCESS_TOKEN,
    }
    # At the platform issuer, a subject from the client's own app issuer is trusted.
    opaque = await token_endpoint(request(form, creds()), platform, run)
    assert opaque.access_token.startswith("pmth_")
    assert opaque.issued_token_type == "urn:x:session"
    assert opaque.expires_in == 1000
    jwt_result = await token_endpoint(
        request({**form, "audience": platform.url}, creds()), platform, run
    )
    assert jwt_result.issued_token_type == token_types.ACCESS_TOKEN
    claims = decode_unverified(jwt_result.access_token)[1]
    assert claims["aud"] == platform.url and "act" not in claims
    # Introspection sees the opaque session; revocation ends it.
    info = await introspection_endpoint(
        request({"token": opaque.access_token}, creds()), platform, run
    )
    assert info["active"] is True and info["scope"] == "read"
    await revocation_endpoint(request({"token": opaque.access_token}, creds()), platform, run)
    info = await introspection_endpoint(
        request({"token": opaque.access_token}, creds()), platform, run
    )
    assert info == {"active": False}
    # A client of another app cannot exchange it.
    store.clients["m2m_b"] = client("m2m_b", realm="app-2")
    with pytest.raises(errors.InvalidGrant):
        await token_endpoint(request(form, creds("m2m_b")), platform, run)


def test_params_reject_repeats_except_resource_and_audience() -> None:
    params = Params([("resource", "https://a"), ("resource", "https://b"), ("scope", "")])
    assert params.get_all("resource") == ["https://a", "https://b"]
    assert params.get("scope") is None  # empty means absent (RFC 6749 §3.1)
    with pytest.raises(errors.InvalidRequest):
        Params([("scope", "a"), ("scope", "b")])
    with pytest.raises(errors.InvalidRequest):
        Params([("token", "x" * 9000)])
