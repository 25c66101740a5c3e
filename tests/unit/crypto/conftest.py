"""Shared fixtures: one signing key per algorithm, generated once per session."""

from __future__ import annotations

import pytest

from bastion.crypto.jwt import SigningKey
from bastion.crypto.keys import SigningAlg, generate_private_key, new_kid


@pytest.fixture(scope="session")
def signing_keys() -> dict[SigningAlg, SigningKey]:
    return {alg: SigningKey(new_kid(alg), alg, generate_private_key(alg)) for alg in SigningAlg}


@pytest.fixture(params=list(SigningAlg), ids=lambda alg: str(alg))
def signing_key(
    request: pytest.FixtureRequest, signing_keys: dict[SigningAlg, SigningKey]
) -> SigningKey:
    alg: SigningAlg = request.param
    return signing_keys[alg]
