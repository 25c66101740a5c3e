"""PKCE helpers (RFC 7636)."""

from __future__ import annotations

import collections
import math

import pytest

from bastion_sdk import code_challenge, generate_code_verifier, generate_state
from bastion_sdk._pkce import VERIFIER_ALPHABET


def test_rfc7636_appendix_b_vector() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@pytest.mark.parametrize("length", [43, 64, 128])
def test_verifier_length_and_alphabet(length: int) -> None:
    verifier = generate_code_verifier(length)
    assert len(verifier) == length and set(verifier) <= set(VERIFIER_ALPHABET)
    assert len(code_challenge(verifier)) == 43


@pytest.mark.parametrize("length", [0, 42, 129])
def test_verifier_length_is_bounded(length: int) -> None:
    with pytest.raises(ValueError, match="43 to 128"):
        generate_code_verifier(length)


def test_challenge_refuses_invalid_verifiers() -> None:
    for bad in ("short", "x" * 129, "é" * 50, "a b" * 20):
        with pytest.raises(ValueError):
            code_challenge(bad)


def test_no_modulo_bias() -> None:
    """With `byte % 66`, the last 8 symbols appear 3/4 as often as the others.

    Over 264,000 draws each symbol is expected 4,000 times (sd ~63); a biased
    generator would put "6789-._~" near 3,200, an unbiased one puts all within a
    few standard deviations of 4,000.
    """
    counts = collections.Counter("".join(generate_code_verifier(128) for _ in range(2063)))
    draws = sum(counts.values())
    expected = draws / len(VERIFIER_ALPHABET)
    sd = math.sqrt(expected)
    assert set(counts) == set(VERIFIER_ALPHABET)
    assert all(abs(n - expected) < 6 * sd for n in counts.values()), counts.most_common()[-8:]
    tail = sum(counts[c] for c in "6789-._~") / 8
    assert tail > expected - 3 * sd


def test_state_is_unguessable() -> None:
    states = {generate_state() for _ in range(100)}
    assert len(states) == 100 and all(len(s) >= 43 for s in states)
