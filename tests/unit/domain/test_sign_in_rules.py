"""Pure rules behind sign-in: user codes, password policy, identifiers, claims by scope."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bastion.domain.claims import Person, claims_for_scopes
from bastion.domain.identifiers import is_email, normalise_email, username_problem
from bastion.domain.passwords import PasswordPolicy
from bastion.domain.user_codes import (
    ALPHABET,
    display_user_code,
    new_user_code,
    normalise_user_code,
)


def test_user_codes_are_unambiguous_and_grouped() -> None:
    codes = {new_user_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 8 and set(code) <= set(ALPHABET)
        assert not set(code) & set("AEIOU01")
    assert display_user_code("BCDFGHJK") == "BCDF-GHJK"


@pytest.mark.parametrize(
    "typed", ["bcdf-ghjk", "BCDF GHJK", " bcdfghjk ", "BCDF\u2013GHJK", "bcdf_ghjk"]
)
def test_user_codes_match_after_normalising(typed: str) -> None:
    assert normalise_user_code(typed) == "BCDFGHJK"


def test_password_policy() -> None:
    policy = PasswordPolicy.for_app({}, 10)
    assert policy.min_length == 10
    assert policy.problem("short") is not None
    assert policy.problem("long enough pass") is None
    assert policy.problem("someone@example.com", ["Someone@Example.com"]) is not None
    assert policy.problem("x" * 300) is not None
    assert PasswordPolicy.for_app({"password_min_length": 14}, 10).min_length == 14
    assert PasswordPolicy.for_app({"password_min_length": 3}, 10).min_length == 8
    assert PasswordPolicy.for_app({"password_min_length": "20"}, 10).min_length == 10


def test_identifiers() -> None:
    assert normalise_email("  Ada@Example.COM ") == "ada@example.com"
    assert is_email("ada@example.com") and not is_email("ada@localhost") and not is_email("ada")
    assert username_problem("ada.l") is None
    assert username_problem("x") is not None and username_problem("-bad") is not None


def test_claims_follow_scopes() -> None:
    person = Person("u1", "ada@example.com", True, "ada", "Ada", datetime(2026, 1, 1, tzinfo=UTC))
    assert claims_for_scopes(person, ["openid"]) == {"sub": "u1"}
    email = claims_for_scopes(person, ["openid", "email"])
    assert email == {"sub": "u1", "email": "ada@example.com", "email_verified": True}
    profile = claims_for_scopes(person, ["profile"])
    assert profile["preferred_username"] == "ada" and profile["name"] == "Ada"
    nameless = Person("u2", None, False, None, None, datetime(2026, 1, 1, tzinfo=UTC))
    assert claims_for_scopes(nameless, ["profile", "email"]) == {
        "sub": "u2",
        "updated_at": 1767225600,
    }
