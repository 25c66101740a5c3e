"""The memo of verified access tokens: a hit skips only the signature check and the parse;
expiry, the deny-list and a change of keys still count at once."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bastion.crypto import jwt as jwt_module
from bastion.oauth.access_token import issue_access_token
from bastion.oauth.engine import Engine
from bastion.oauth.jti import JtiTags
from bastion.oauth.models import IssuerContext
from bastion.oauth.subject_token import TokenRejected, verify_own_access_token
from bastion.oauth.verified_tokens import VerifiedTokens
from tests.unit.oauth.fakes import MemoryStore, engine, issuer, keyset

NOW = 1_800_000_000.0


def token_for(ttl: int = 600) -> tuple[str, IssuerContext]:
    ctx = issuer()
    issued = issue_access_token(
        ctx,
        JtiTags.ephemeral(),
        subject="m2m_a",
        client_id="m2m_a",
        scope="read",
        audiences=["app"],
        now=NOW,
        ttl=ttl,
    )
    return issued.token, ctx


def at(base: Engine, now: float) -> Engine:
    """The same engine (same memo, same store) with its clock at ``now``."""
    return replace(base, clock=lambda: now)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = jwt_module.verify_jwt

    def counting(token: str, *args: object, **kwargs: object) -> dict[str, object]:
        calls.append(token)
        return real(token, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("bastion.oauth.subject_token.verify_jwt", counting)
    return calls


async def test_a_token_is_verified_once_then_served_from_the_memo(counted: list[str]) -> None:
    token, ctx = token_for()
    eng = engine(MemoryStore(), now=NOW + 1)
    first = await verify_own_access_token(token, ctx, eng)
    second = await verify_own_access_token(token, ctx, eng)
    assert first == second and first["sub"] == "m2m_a"
    assert counted == [token] and len(eng.verified) == 1
    second["scope"] = "changed by a caller"
    third = await verify_own_access_token(token, ctx, eng)
    assert third["scope"] == "read"  # callers get copies


async def test_revocation_is_checked_on_every_hit(counted: list[str]) -> None:
    token, ctx = token_for()
    store = MemoryStore()
    eng = engine(store, now=NOW + 1)
    claims = await verify_own_access_token(token, ctx, eng)
    store.revoked.add(claims["jti"])
    with pytest.raises(TokenRejected, match="revoked"):
        await verify_own_access_token(token, ctx, eng)
    assert len(counted) == 1


async def test_an_expired_token_is_refused_even_when_remembered(counted: list[str]) -> None:
    token, ctx = token_for(ttl=60)
    eng = engine(MemoryStore(), now=NOW + 1)
    await verify_own_access_token(token, ctx, eng)
    with pytest.raises(TokenRejected, match="expired"):
        await verify_own_access_token(token, ctx, at(eng, NOW + 60))
    assert len(counted) == 2 and len(eng.verified) == 0


async def test_new_keys_make_every_entry_miss(counted: list[str]) -> None:
    token, ctx = token_for()
    eng = engine(MemoryStore(), now=NOW + 1)
    await verify_own_access_token(token, ctx, eng)
    # The same issuer after a key change (rotation, or an event from another node): the key
    # that signed the token is gone, and the remembered verification must not stand in for it.
    rekeyed = replace(ctx, keys=keyset())
    with pytest.raises(TokenRejected, match="unknown_kid"):
        await verify_own_access_token(token, rekeyed, eng)
    # Another issuer sharing the keys object still does not match the remembered issuer.
    other = replace(ctx, url="https://id.example/other")
    assert eng.verified.get(token, other, NOW + 1) is None
    assert len(counted) == 2


def test_the_memo_is_bounded_oldest_first() -> None:
    memo = VerifiedTokens(max_entries=8)
    ctx = issuer()
    for n in range(8):
        memo.put(f"t{n}", ctx, {"exp": NOW + 60, "n": n})
    assert len(memo) == 8
    memo.put("t8", ctx, {"exp": NOW + 60, "n": 8})
    assert len(memo) == 7  # the oldest quarter went, then t8 came in
    assert memo.get("t0", ctx, NOW) is None and memo.get("t1", ctx, NOW) is None
    assert memo.get("t8", ctx, NOW) == {"exp": NOW + 60, "n": 8}
    memo.put("no-exp", ctx, {"sub": "x"})  # nothing to bound its life by: not remembered
    assert memo.get("no-exp", ctx, NOW) is None
    with pytest.raises(ValueError):
        VerifiedTokens(max_entries=0)
