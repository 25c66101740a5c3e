"""Tagged jtis: a jti vouches for exactly the issuer, client and expiry it was minted for, and
revocation trusts it in place of the signature only then."""

from __future__ import annotations

import time

import pytest

from bastion.crypto.encoding import b64url_decode, b64url_encode, json_dumps, json_loads
from bastion.oauth.endpoints.revocation import revocation_endpoint
from bastion.oauth.endpoints.token import token_endpoint
from bastion.oauth.engine import EndpointRequest, Engine
from bastion.oauth.jti import JTI_LENGTH, JtiTags
from bastion.oauth.models import ClientCredentials, IssuerContext
from bastion.oauth.params import Params
from tests.unit.oauth.fakes import MemoryStore, client, engine, issuer

ISS, CLIENT, EXP = "https://id.example/app", "m2m_a", 1_800_000_600


@pytest.fixture
def tags() -> JtiTags:
    return JtiTags(b"k" * 32)


def test_a_jti_vouches_for_exactly_what_it_was_minted_for(tags: JtiTags) -> None:
    jti = tags.mint(ISS, CLIENT, EXP)
    assert len(jti) == JTI_LENGTH
    assert tags.vouches(jti, ISS, CLIENT, EXP)
    assert not tags.vouches(jti, ISS + "x", CLIENT, EXP)
    assert not tags.vouches(jti, ISS, "m2m_b", EXP)
    assert not tags.vouches(jti, ISS, CLIENT, EXP + 1)
    assert not JtiTags(b"o" * 32).vouches(jti, ISS, CLIENT, EXP)
    # Its random part or its tag altered, cut short, or not ASCII.
    flipped = jti[:20] + ("A" if jti[20] != "A" else "B") + jti[21:]
    assert not tags.vouches(flipped, ISS, CLIENT, EXP)
    assert not tags.vouches(jti[:-1] + ("A" if jti[-1] != "A" else "B"), ISS, CLIENT, EXP)
    assert not tags.vouches(jti[:-1], ISS, CLIENT, EXP)
    assert not tags.vouches(jti[:-1] + "é", ISS, CLIENT, EXP)


def test_fields_cannot_slide_into_one_another(tags: JtiTags) -> None:
    jti = tags.mint("https://a/b", "c", EXP)
    assert not tags.vouches(jti, "https://a/", "bc", EXP)


def test_jtis_minted_later_sort_later_and_never_repeat(tags: JtiTags) -> None:
    first = tags.mint(ISS, CLIENT, EXP)
    time.sleep(0.003)
    second = tags.mint(ISS, CLIENT, EXP)
    assert first < second
    assert len({tags.mint(ISS, CLIENT, EXP) for _ in range(1000)}) == 1000


def test_the_key_must_be_long_enough() -> None:
    with pytest.raises(ValueError, match="at least"):
        JtiTags(b"short")


def basic(client_id: str = "m2m_a") -> ClientCredentials:
    return ClientCredentials(client_id, "s3cret", "client_secret_basic")


def form(**pairs: str) -> EndpointRequest:
    return EndpointRequest(Params(list(pairs.items())), basic(), "203.0.113.9")


async def issued(ctx: IssuerContext, run: Engine) -> tuple[str, dict[str, object]]:
    result = await token_endpoint(form(grant_type="client_credentials"), ctx, run)
    token = result.access_token
    return token, json_loads(b64url_decode(token.split(".")[1]))


def with_claims(token: str, **changes: object) -> str:
    header, payload, signature = token.split(".")
    claims = json_loads(b64url_decode(payload)) | changes
    return ".".join((header, b64url_encode(json_dumps(claims)), signature))


def with_signature_of(token: str, other: str) -> str:
    return token.rsplit(".", 1)[0] + "." + other.rsplit(".", 1)[1]


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(clients={"m2m_a": client(), "m2m_b": client("m2m_b")})


async def test_revocation_trusts_a_vouching_jti_in_place_of_the_signature(
    store: MemoryStore,
) -> None:
    ctx, run = issuer(), engine(store)
    token, claims = await issued(ctx, run)
    other, _ = await issued(ctx, run)
    assert run.jti_tags.vouches(str(claims["jti"]), ctx.url, "m2m_a", int(str(claims["exp"])))
    # A signature that does not verify (another token's) does not matter: the tag does.
    await revocation_endpoint(form(token=with_signature_of(token, other)), ctx, run)
    assert store.revoked == {claims["jti"]}


@pytest.mark.parametrize(
    "change",
    [{"client_id": "m2m_b"}, {"exp": 1_800_009_999}, {"iss": "https://id.example/other"}],
)
async def test_a_claim_the_tag_covers_altered_needs_the_signature_again(
    store: MemoryStore, change: dict[str, object]
) -> None:
    ctx, run = issuer(), engine(store)
    token, _ = await issued(ctx, run)
    # The tag no longer matches, and the signature, over the original claims, fails.
    await revocation_endpoint(form(token=with_claims(token, **change)), ctx, run)
    assert store.revoked == set()


async def test_a_jti_without_a_tag_is_revoked_on_its_signature_alone(store: MemoryStore) -> None:
    ctx, run = issuer(), engine(store)
    old = ctx.keys.signing_key.sign(
        {"iss": ctx.url, "sub": "m2m_a", "aud": "app", "iat": 1_800_000_000,
         "exp": 1_800_000_600, "jti": "plain-random-jti", "client_id": "m2m_a"}
    )  # fmt: skip
    other, _ = await issued(ctx, run)
    await revocation_endpoint(form(token=with_signature_of(old, other)), ctx, run)
    assert store.revoked == set()
    await revocation_endpoint(form(token=old), ctx, run)
    assert store.revoked == {"plain-random-jti"}


async def test_an_expired_token_is_not_listed_even_when_its_jti_vouches(
    store: MemoryStore,
) -> None:
    ctx = issuer()
    token, claims = await issued(ctx, engine(store))
    later = engine(store, now=float(str(claims["exp"])))
    await revocation_endpoint(form(token=token), ctx, later)
    assert store.revoked == set()


async def test_a_vouching_token_of_another_app_is_left_alone(store: MemoryStore) -> None:
    # The platform issuer serves the clients of every app; each may revoke only its app's.
    ctx, run = issuer("https://id.example/platform", realm=None), engine(store)
    token, _ = await issued(ctx, run)
    store.clients["m2m_x"] = client("m2m_x", realm="app-2")
    foreign = EndpointRequest(Params([("token", token)]), basic("m2m_x"), None)
    await revocation_endpoint(foreign, ctx, run)
    assert store.revoked == set()
