from __future__ import annotations

import os

import pytest

from bastion.crypto.encoding import b64url_decode, b64url_encode, json_dumps, json_loads


@pytest.mark.parametrize("size", range(0, 40))
def test_b64url_round_trip(size: int) -> None:
    data = os.urandom(size)
    text = b64url_encode(data)
    assert "=" not in text
    assert b64url_decode(text) == data


@pytest.mark.parametrize(
    "text",
    [
        "YQ==",  # padding
        "YQ=",
        "a+b/",  # standard alphabet
        "ab cd",
        "abc\n",
        "é",
        "A",  # impossible length
        "YR",  # non-zero spare bits ("a" is "YQ")
        "YWJ",  # non-zero spare bits ("ab" is "YWI")
    ],
)
def test_b64url_decode_is_strict(text: str) -> None:
    with pytest.raises(ValueError):
        b64url_decode(text)


def test_json_is_compact_and_round_trips() -> None:
    obj = {"a": 1, "b": [True, None, "x"], "c": "é"}
    data = json_dumps(obj)
    assert b" " not in data
    assert json_loads(data) == obj
    assert json_loads(data.decode()) == obj


@pytest.mark.parametrize("bad", [b"{", b"NaN", b"{'a': 1}", b"\xff", "", b"[1,]"])
def test_json_loads_raises_value_error(bad: bytes | str) -> None:
    with pytest.raises(ValueError):
        json_loads(bad)
