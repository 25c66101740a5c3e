from __future__ import annotations

import os

import pytest

from bastion.crypto.secrets import (
    BASE62_ALPHABET,
    KeyedHasher,
    constant_time_equals,
    has_valid_checksum,
    new_opaque_token,
    random_base62,
    random_base62_string,
)


@pytest.mark.parametrize(("nbytes", "width"), [(1, 2), (16, 22), (24, 33), (32, 43)])
def test_random_base62_has_constant_length(nbytes: int, width: int) -> None:
    values = {random_base62(nbytes) for _ in range(200)}
    assert {len(v) for v in values} == {width}
    assert all(set(v) <= set(BASE62_ALPHABET) for v in values)
    if nbytes >= 16:
        assert len(values) == 200


def test_random_base62_covers_the_alphabet() -> None:
    seen = set("".join(random_base62(32) for _ in range(200)))
    assert seen == set(BASE62_ALPHABET)


def test_random_base62_string_length() -> None:
    assert len(random_base62_string(16)) == 16


def test_opaque_token_checksum_round_trip() -> None:
    token = new_opaque_token("pcft_live_")
    assert token.startswith("pcft_live_")
    assert len(token) == len("pcft_live_") + 43 + 6
    assert has_valid_checksum(token, "pcft_live_")
    assert not has_valid_checksum(token, "pmth_")


def test_checksum_detects_a_flipped_character() -> None:
    token = new_opaque_token("pmth_")
    body = token[len("pmth_") :]
    for index in range(len(body)):
        replacement = "A" if body[index] != "A" else "B"
        flipped = "pmth_" + body[:index] + replacement + body[index + 1 :]
        assert not has_valid_checksum(flipped, "pmth_")


@pytest.mark.parametrize("bad", ["pmth_", "pmth_abc", "pmth_" + "a" * 43 + "-" * 6, "other"])
def test_checksum_rejects_malformed(bad: str) -> None:
    assert not has_valid_checksum(bad, "pmth_")


def test_opaque_token_refuses_low_entropy() -> None:
    with pytest.raises(ValueError):
        new_opaque_token("x_", 8)


def test_keyed_hasher_match_and_mismatch() -> None:
    hasher = KeyedHasher(os.urandom(32))
    token = new_opaque_token("rt_")
    digest = hasher.digest(token)
    assert len(digest) == 32
    assert hasher.digest(token) == digest
    assert hasher.matches(token, digest)
    assert not hasher.matches(token + "x", digest)
    assert not KeyedHasher(os.urandom(32)).matches(token, digest)


def test_keyed_hasher_refuses_short_pepper() -> None:
    with pytest.raises(ValueError):
        KeyedHasher(b"short")


def test_constant_time_equals() -> None:
    assert constant_time_equals("abc", "abc")
    assert constant_time_equals("é", "é".encode())
    assert not constant_time_equals(b"abc", b"abd")
    assert not constant_time_equals("abc", "abcd")
