"""RFC 7636 with S256 only (RFC 9700 §2.1.1)."""

from __future__ import annotations

import pytest

from bastion.oauth import pkce
from bastion.oauth.errors import InvalidGrant, InvalidRequest

# RFC 7636 Appendix B.
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_s256_matches_the_rfc_example() -> None:
    assert pkce.s256(VERIFIER) == CHALLENGE
    pkce.check_verifier(CHALLENGE, VERIFIER)


@pytest.mark.parametrize(
    ("challenge", "method", "required"),
    [
        (None, None, True),  # public clients must use PKCE
        (CHALLENGE, "plain", False),  # no downgrade
        (CHALLENGE, None, False),  # an absent method means plain
        ("short", "S256", False),
        (CHALLENGE + "=", "S256", False),
        (None, "S256", False),
    ],
)
def test_bad_challenges_are_refused(
    challenge: str | None, method: str | None, required: bool
) -> None:
    with pytest.raises(InvalidRequest):
        pkce.check_challenge(challenge, method, required=required)


def test_a_good_challenge_and_an_optional_absent_one_pass() -> None:
    pkce.check_challenge(CHALLENGE, "S256", required=True)
    pkce.check_challenge(None, None, required=False)


@pytest.mark.parametrize(
    ("challenge", "verifier"),
    [
        (CHALLENGE, None),  # PKCE stripped at the token endpoint
        (CHALLENGE, VERIFIER[:-1] + "l"),
        (CHALLENGE, CHALLENGE),  # "plain" use of the challenge itself
        (CHALLENGE, "a" * 42),  # too short to be a verifier
        (None, VERIFIER),  # a verifier for a code issued without a challenge
    ],
)
def test_bad_verifiers_are_refused(challenge: str | None, verifier: str | None) -> None:
    with pytest.raises(InvalidGrant):
        pkce.check_verifier(challenge, verifier)
