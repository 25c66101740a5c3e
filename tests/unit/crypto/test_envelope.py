from __future__ import annotations

import base64
import os
import pathlib
import stat

import pytest

from bastion.crypto.envelope import MasterKey, MasterKeyError, Sealer, SealError

RAW = bytes(range(32))


def test_from_text_accepts_base64url_and_base64_with_or_without_padding() -> None:
    url = base64.urlsafe_b64encode(RAW).decode()
    std = base64.b64encode(b"\xfb" * 32).decode()
    for text in (url, url.rstrip("="), f"  {url}\n"):
        assert MasterKey.from_text(text).derive("x") == MasterKey(RAW).derive("x")
    assert MasterKey.from_text(std).derive("x") == MasterKey(b"\xfb" * 32).derive("x")
    assert MasterKey.from_text(std.rstrip("=")).derive("x") == MasterKey(b"\xfb" * 32).derive("x")


@pytest.mark.parametrize(
    "text",
    ["", "short", base64.b64encode(os.urandom(31)).decode(), "!" * 43, "a-b+" * 11],
)
def test_from_text_refuses_bad_keys_without_echoing_them(text: str) -> None:
    with pytest.raises(MasterKeyError) as info:
        MasterKey.from_text(text)
    if len(text) > 4:
        assert text not in str(info.value)


def test_derive_is_hkdf_bound_to_purpose_and_length() -> None:
    key = MasterKey(RAW)
    assert key.derive("keys") == key.derive("keys")
    assert key.derive("keys") != key.derive("pepper")
    assert len(key.derive("keys", 64)) == 64
    with pytest.raises(ValueError):
        key.derive("")


def test_fingerprint_is_short_and_not_the_key() -> None:
    key = MasterKey(RAW)
    fp = key.fingerprint()
    assert len(fp) == 8 and all(c in "0123456789abcdef" for c in fp)
    assert fp == MasterKey(RAW).fingerprint() != MasterKey.generate().fingerprint()
    assert key.to_text() not in repr(key)


def test_load_or_create_creates_0600_file_then_reloads(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "nested" / "dir" / "master.key"
    created = MasterKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == created.to_text() + "\n"
    assert MasterKey.load_or_create(path).fingerprint() == created.fingerprint()


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_load_or_create_refuses_loose_permissions(tmp_path: pathlib.Path, mode: int) -> None:
    path = tmp_path / "master.key"
    MasterKey.load_or_create(path)
    path.chmod(mode)
    with pytest.raises(MasterKeyError, match="chmod 600"):
        MasterKey.load_or_create(path)


def test_load_or_create_refuses_garbage_without_echoing(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "master.key"
    path.write_text("not-a-key-at-all\n")
    path.chmod(0o600)
    with pytest.raises(MasterKeyError) as info:
        MasterKey.load_or_create(path)
    assert "not-a-key-at-all" not in str(info.value)


def test_seal_round_trip_and_layout() -> None:
    sealer = MasterKey(RAW).sealer("signing-keys")
    blob = sealer.seal(b"secret der", b"kid-1")
    assert blob[0] == 1 and len(blob) == 1 + 12 + len(b"secret der") + 16
    assert sealer.open(blob, b"kid-1") == b"secret der"
    assert sealer.seal(b"secret der", b"kid-1") != blob  # fresh nonce each time


def test_open_refuses_tampering_wrong_aad_wrong_key_and_bad_format() -> None:
    sealer = Sealer(os.urandom(32))
    blob = sealer.seal(b"payload", b"aad")
    with pytest.raises(SealError):
        sealer.open(blob, b"other-aad")
    with pytest.raises(SealError):
        Sealer(os.urandom(32)).open(blob, b"aad")
    for index in (1, 13, len(blob) - 1):
        tampered = bytearray(blob)
        tampered[index] ^= 0x01
        with pytest.raises(SealError):
            sealer.open(bytes(tampered), b"aad")
    with pytest.raises(SealError, match="version"):
        sealer.open(b"\x02" + blob[1:], b"aad")
    with pytest.raises(SealError, match="short"):
        sealer.open(blob[:28], b"aad")


def test_sealer_needs_a_32_byte_key() -> None:
    with pytest.raises(ValueError):
        Sealer(b"\x00" * 16)


def test_load_or_create_refuses_a_directory(tmp_path: pathlib.Path) -> None:
    with pytest.raises(MasterKeyError, match="regular file"):
        MasterKey.load_or_create(tmp_path)
