"""Access lines: the same fields as before, written in batches."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from bastion.ops.access_log import FLUSH_DELAY, FLUSH_LINES, AccessLog
from bastion.ops.middleware import new_request_id


async def test_lines_are_json_and_written_in_one_batch_shortly_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    log = AccessLog()
    log.configure("json")
    log.record("rid-1", "GET", "/demo/jwks", 200, 0.12, "127.0.0.1")
    log.record("rid-2", "POST", "/demo/token", 401, 1.5, None)
    await asyncio.sleep(0)
    assert stream.getvalue() == ""  # queued for a moment
    await asyncio.sleep(FLUSH_DELAY * 2)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e["request_id"] for e in lines] == ["rid-1", "rid-2"]
    assert lines[1] == {
        **lines[1],
        "level": "info",
        "logger": "bastion.access",
        "msg": "request",
        "method": "POST",
        "path": "/demo/token",
        "status": 401,
        "ms": 1.5,
        "remote": None,
    }
    assert lines[0]["ts"].endswith("Z")


async def test_a_full_batch_is_written_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    log = AccessLog()
    for n in range(FLUSH_LINES):
        log.record(f"rid-{n}", "GET", "/demo/jwks", 200, 0.1, None)
    assert len(stream.getvalue().splitlines()) == FLUSH_LINES


def test_text_lines_and_writing_without_a_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    log = AccessLog()
    log.configure("text")
    log.record("rid-3", "GET", "/healthz", 200, 0.05, "10.0.0.1")
    assert (
        stream.getvalue()
        .rstrip()
        .endswith("INFO bastion.access: GET /healthz 200 0.05ms 10.0.0.1 [rid-3]")
    )


def test_made_up_request_ids_are_unique_and_16_hex_characters() -> None:
    ids = {new_request_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids)
