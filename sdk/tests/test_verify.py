"""JWT access-token verification, including hand-crafted hostile tokens.

Each test runs with TokenVerifier and AsyncTokenVerifier.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from fake_server import FakeAuthServer
from jwt_factory import (
    AUDIENCE,
    EC_KEY,
    ED_KEY,
    ISSUER,
    RSA_KEY,
    RSA_OTHER,
    b64,
    b64json,
    claims,
    hmac_with_public_key,
    mint,
    sign,
    unsigned,
)
from twins import resolve

from bastion_sdk import (
    AsyncTokenVerifier,
    AudienceMismatch,
    InsufficientScope,
    InvalidToken,
    IssuerMismatch,
    JWKSFetchError,
    KeyNotFound,
    TokenExpired,
    TokenNotYetValid,
    TokenVerificationError,
    TokenVerifier,
)

Verifier = TokenVerifier | AsyncTokenVerifier


def make_verifier(server: FakeAuthServer, flavor: str, **options: Any) -> Verifier:
    options.setdefault("audience", AUDIENCE)
    if flavor == "sync":
        return TokenVerifier(server.issuer, transport=server.transport(), **options)
    return AsyncTokenVerifier(server.issuer, transport=server.async_transport(), **options)


@pytest.fixture
def all_keys_server() -> FakeAuthServer:
    return FakeAuthServer(keys=(RSA_KEY, EC_KEY, ED_KEY))


@pytest.fixture
def verifier(all_keys_server: FakeAuthServer, flavor: str) -> Verifier:
    return make_verifier(all_keys_server, flavor)


async def verify(verifier: Verifier, token: str, **kw: Any) -> Any:
    return await resolve(verifier.verify(token, **kw))


@pytest.mark.parametrize("key", [RSA_KEY, EC_KEY, ED_KEY], ids=lambda k: k.alg)
async def test_good_tokens_verify(verifier: Verifier, key: Any) -> None:
    result = await verify(verifier, mint(key, scope="read write"))
    assert result.issuer == ISSUER and result.audience == (AUDIENCE,)
    assert result.subject == "user-123" and result.client_id == "app_test"
    assert result.scopes == {"read", "write"}
    assert result["jti"] == result.jwt_id


async def test_media_type_typ_and_audience_arrays_are_accepted(verifier: Verifier) -> None:
    await verify(verifier, mint(typ="application/AT+JWT"))
    await verify(verifier, mint(aud=["other", AUDIENCE]))


# -- hostile tokens ------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_alg_none_is_refused(verifier: Verifier, alg: str) -> None:
    token = unsigned({"alg": alg, "typ": "at+jwt", "kid": RSA_KEY.kid}, claims())
    with pytest.raises(InvalidToken, match="unsigned tokens are never accepted"):
        await verify(verifier, token)


@pytest.mark.parametrize("pem", [True, False], ids=["pem", "jwk-json"])
async def test_hs256_signed_with_the_public_key_is_refused(verifier: Verifier, pem: bool) -> None:
    with pytest.raises(InvalidToken, match="symmetric"):
        await verify(verifier, hmac_with_public_key(RSA_KEY, pem=pem))


def test_hmac_and_none_cannot_even_be_allowed() -> None:
    for alg in ("HS256", "none"):
        with pytest.raises(ValueError, match="only asymmetric"):
            TokenVerifier(ISSUER, audience=AUDIENCE, algorithms=[alg])


async def test_algorithm_outside_the_allow_list_is_refused(
    all_keys_server: FakeAuthServer, flavor: str
) -> None:
    verifier = make_verifier(all_keys_server, flavor, algorithms=["ES256"])
    with pytest.raises(InvalidToken, match="'RS256' is not allowed"):
        await verify(verifier, mint(RSA_KEY))


async def test_unknown_kid_is_key_not_found(verifier: Verifier) -> None:
    with pytest.raises(KeyNotFound) as caught:
        await verify(verifier, mint(kid="nobody"))
    assert caught.value.kid == "nobody"


async def test_key_of_another_algorithm_family_is_not_used(verifier: Verifier) -> None:
    # An ES256 header pointing at the RSA key's kid must not select the RSA key.
    header = {"alg": "ES256", "typ": "at+jwt", "kid": RSA_KEY.kid}
    signing_input = f"{b64json(header)}.{b64json(claims())}"
    token = f"{signing_input}.{b64(sign(EC_KEY, signing_input.encode()))}"
    with pytest.raises(KeyNotFound):
        await verify(verifier, token)


async def test_signature_by_another_key_with_a_known_kid(verifier: Verifier) -> None:
    with pytest.raises(InvalidToken, match="signature does not verify"):
        await verify(verifier, mint(RSA_OTHER, kid=RSA_KEY.kid))


async def test_tampered_payload(verifier: Verifier) -> None:
    header, _, signature = mint().split(".")
    forged = f"{header}.{b64json(claims(sub='admin'))}.{signature}"
    with pytest.raises(InvalidToken, match="signature"):
        await verify(verifier, forged)


async def test_embedded_jwk_header_is_ignored(verifier: Verifier) -> None:
    token = mint(RSA_OTHER, kid="attacker", headers={"jwk": RSA_OTHER.jwk()})
    with pytest.raises(KeyNotFound):
        await verify(verifier, token)


async def test_ecdsa_signature_in_der_form_is_refused(verifier: Verifier) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    header = {"alg": "ES256", "typ": "at+jwt", "kid": EC_KEY.kid}
    signing_input = f"{b64json(header)}.{b64json(claims())}"
    der = EC_KEY.private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidToken, match="signature"):
        await verify(verifier, f"{signing_input}.{b64(der)}")


@pytest.mark.parametrize("typ", ["JWT", "jwt", "at+JWT2", None])
async def test_wrong_typ_is_refused(verifier: Verifier, typ: str | None) -> None:
    with pytest.raises(InvalidToken, match="not an access token"):
        await verify(verifier, mint(typ=typ))


async def test_expired(verifier: Verifier) -> None:
    exp = int(time.time()) - 120
    with pytest.raises(TokenExpired) as caught:
        await verify(verifier, mint(exp=exp, iat=exp - 300))
    assert caught.value.expired_at == exp


async def test_leeway_tolerates_small_skew(verifier: Verifier) -> None:
    now = int(time.time())
    await verify(verifier, mint(exp=now - 10, iat=now - 300))
    await verify(verifier, mint(nbf=now + 10, iat=now + 10))


async def test_future_nbf(verifier: Verifier) -> None:
    with pytest.raises(TokenNotYetValid, match="nbf"):
        await verify(verifier, mint(nbf=int(time.time()) + 600))


async def test_future_iat(verifier: Verifier) -> None:
    with pytest.raises(TokenNotYetValid, match="iat"):
        await verify(verifier, mint(iat=int(time.time()) + 600))


@pytest.mark.parametrize("iss", ["https://evil.example.test/acme", ISSUER + "/", None])
async def test_wrong_issuer(verifier: Verifier, iss: str | None) -> None:
    expected = InvalidToken if iss is None else IssuerMismatch
    with pytest.raises(expected):
        await verify(verifier, mint(iss=iss))


@pytest.mark.parametrize("aud", ["https://other.example.test", ["a", "b"], None])
async def test_wrong_audience(verifier: Verifier, aud: Any) -> None:
    expected = InvalidToken if aud is None else AudienceMismatch
    with pytest.raises(expected):
        await verify(verifier, mint(aud=aud))


@pytest.mark.parametrize("claim", ["sub", "jti", "client_id", "iat", "exp"])
async def test_rfc9068_claims_are_required(verifier: Verifier, claim: str) -> None:
    without: dict[str, Any] = {claim: None}
    with pytest.raises(InvalidToken, match=claim):
        await verify(verifier, mint(**without))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("exp", "tomorrow"),
        ("exp", True),
        ("nbf", "soon"),
        ("iat", [1]),
        ("sub", 42),
        ("jti", 7.5),
        ("client_id", False),
        ("scope", {"a": 1}),
    ],
)
async def test_mistyped_claims(verifier: Verifier, name: str, value: Any) -> None:
    with pytest.raises(InvalidToken, match=name):
        await verify(verifier, mint(**{name: value}))


async def test_critical_headers_are_refused(verifier: Verifier) -> None:
    with pytest.raises(InvalidToken, match="critical"):
        await verify(verifier, mint(headers={"crit": ["exp"], "exp": 1}))


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "eyJhbGciOiJSUzI1NiJ9.e30.a+b",
        "eyJhbGciOiJSUzI1NiJ9.e30.a=",
        "eyJhbGciOiJSUzI1NiJ9.é.abc",
        "bm90IGpzb24.e30.abc",
        "WzFd.e30.abc",
    ],
)
async def test_malformed_tokens(verifier: Verifier, token: str) -> None:
    with pytest.raises(InvalidToken):
        await verify(verifier, token)


async def test_one_token_has_one_spelling(verifier: Verifier) -> None:
    """An RS256 signature is 342 base64url characters: the last carries 4 unused bits, which
    must be zero, or one token could be spelt 16 ways past a deny-list keyed on its text."""
    token = mint(RSA_KEY)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    assert len(token.rsplit(".", 1)[1]) % 4 == 2
    respelt = token[:-1] + alphabet[alphabet.index(token[-1]) | 1]
    assert respelt != token and (await verify(verifier, token)).subject == "user-123"
    with pytest.raises(InvalidToken):
        await verify(verifier, respelt)


def signed_payload(payload: bytes) -> str:
    header = {"alg": "RS256", "typ": "at+jwt", "kid": RSA_KEY.kid}
    signing_input = f"{b64json(header)}.{b64(payload)}"
    return f"{signing_input}.{b64(sign(RSA_KEY, signing_input.encode()))}"


@pytest.mark.parametrize("payload", [b"[1, 2]", b'"text"', b'{"a": 1} {}', b'{"a": 1} x'])
async def test_payload_that_is_not_an_object(verifier: Verifier, payload: bytes) -> None:
    with pytest.raises(InvalidToken, match="not a JSON object"):
        await verify(verifier, signed_payload(payload))


@pytest.mark.parametrize("payload", [b"", b" {}", b"{", b'{"a": }', b"\xff{}"])
async def test_payload_that_is_not_json(verifier: Verifier, payload: bytes) -> None:
    with pytest.raises(InvalidToken, match="not JSON"):
        await verify(verifier, signed_payload(payload))


async def test_required_scopes(all_keys_server: FakeAuthServer, flavor: str) -> None:
    verifier = make_verifier(all_keys_server, flavor, required_scopes=["admin"])
    with pytest.raises(InsufficientScope) as caught:
        await verify(verifier, mint(scope="read"))
    assert caught.value.required == {"admin"} and caught.value.granted == {"read"}
    assert not isinstance(caught.value, TokenVerificationError)
    await verify(verifier, mint(scope="read"), required_scopes=["read"])


async def test_required_claims(all_keys_server: FakeAuthServer, flavor: str) -> None:
    verifier = make_verifier(all_keys_server, flavor, required_claims=["tenant"])
    with pytest.raises(InvalidToken, match="tenant"):
        await verify(verifier, mint())
    assert (await verify(verifier, mint(tenant="t1")))["tenant"] == "t1"


async def test_audience_none_is_an_explicit_opt_out(
    all_keys_server: FakeAuthServer, flavor: str
) -> None:
    verifier = make_verifier(all_keys_server, flavor, audience=None)
    await verify(verifier, mint(aud="anything"))


async def test_jwks_outage_is_not_an_invalid_token(server: FakeAuthServer, flavor: str) -> None:
    server.jwks_down = True
    verifier = make_verifier(server, flavor)
    with pytest.raises(JWKSFetchError, match=r"validity is\s+unknown") as caught:
        await verify(verifier, mint())
    assert not isinstance(caught.value, TokenVerificationError)


async def test_token_without_kid(flavor: str) -> None:
    single = make_verifier(FakeAuthServer(keys=(RSA_KEY,)), flavor)
    await verify(single, mint(kid=None))
    ambiguous = make_verifier(FakeAuthServer(keys=(RSA_KEY, RSA_OTHER)), flavor)
    with pytest.raises(KeyNotFound):
        await verify(ambiguous, mint(kid=None))


# -- the verified-payload memo -----------------------------------------------------------


async def test_repeated_tokens_reuse_their_checked_claims(verifier: Verifier) -> None:
    token = mint()
    first = await verify(verifier, token)
    assert await verify(verifier, token) is first


async def test_the_memo_never_skips_the_signature(verifier: Verifier) -> None:
    token = mint()
    await verify(verifier, token)
    header, payload, _ = token.split(".")
    forged = f"{header}.{payload}.{b64(b'x' * 256)}"
    with pytest.raises(InvalidToken, match="signature"):
        await verify(verifier, forged)


async def test_the_memo_never_skips_time_or_scope_checks(verifier: Verifier) -> None:
    token = mint(exp=int(time.time()) + 60, scope="read")
    await verify(verifier, token)
    with pytest.raises(InsufficientScope):
        await verify(verifier, token, required_scopes=["write"])
    verifier._core.clock = lambda: time.time() + 3600
    with pytest.raises(TokenExpired):
        await verify(verifier, token)


async def test_raw_claims_are_read_only(verifier: Verifier) -> None:
    result = await verify(verifier, mint(aud=[AUDIENCE, "other"], act={"sub": "svc"}))
    assert result.raw["aud"] == (AUDIENCE, "other") and result.audience == (AUDIENCE, "other")
    with pytest.raises(TypeError):
        result.raw["sub"] = "admin"  # type: ignore[index,unused-ignore]
    with pytest.raises(TypeError):
        result.raw["act"]["sub"] = "admin"
    plain = result.to_dict()
    plain["act"]["sub"] = "changed"
    assert plain["aud"] == [AUDIENCE, "other"] and result["act"]["sub"] == "svc"


async def test_the_memo_can_be_turned_off(all_keys_server: FakeAuthServer, flavor: str) -> None:
    verifier = make_verifier(all_keys_server, flavor, payload_cache_size=0)
    token = mint()
    assert await verify(verifier, token) is not await verify(verifier, token)


def test_hot_path_claims_are_ordinary_frozen_claims() -> None:
    import dataclasses

    from bastion_sdk._models import AccessTokenClaims, UnfrozenClaims

    raw: dict[str, Any] = {}
    values = (ISSUER, "user", (AUDIENCE,), 2, 1, None, "j", "c", frozenset({"read"}), raw)
    built = UnfrozenClaims(*values).freeze()
    assert type(built) is AccessTokenClaims and built == AccessTokenClaims(*values)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.subject = "admin"  # type: ignore[misc]
