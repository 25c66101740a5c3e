"""The benchmark's non-timing logic: reading wrk's report, filling forms, writing the table.
(No load is generated here; the benchmark itself never runs in CI.)"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from bench.flows import fill
from bench.loadgen import LoadSettings, parse_report, wrk_command
from bench.report import logins_per_s, markdown, ratio, summarize
from bench.servers import Server, _cpu_ticks
from bench.stateful import _chains_held, _logins_done, _pool_outlasted

WRK = """Running 20s test @ http://127.0.0.1:8080/demo/jwks
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.10ms    1.20ms  40.00ms   90.00%
  Latency Distribution
     50%  812.00us
     75%    2.10ms
     90%    4.00ms
     99%    1.20s
  200000 requests in 20.00s, 100.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:  10000.50
Transfer/sec:      5.00MB
bench: expected=190 seen=200000
"""


def test_wrk_report_is_read_with_units_and_errors() -> None:
    result = parse_report(WRK)
    assert result.requests_per_s == 10000.5
    assert result.p50_ms == 0.812
    assert result.p99_ms == 1200.0
    assert result.requests == 200000
    assert result.non_2xx == 7
    assert result.socket_errors == 3
    assert result.extra == {"expected": 190, "seen": 200000}


def test_wrk_is_given_whole_seconds() -> None:
    command = wrk_command("http://x/", LoadSettings(2, 16, 1.5), 1.5, "mint.lua")
    assert "-d2s" in command and command[-1] == "http://x/" and command[-2].endswith("mint.lua")
    assert "-d15s" in wrk_command("http://x/", LoadSettings(), 15.0, None)


def test_forms_are_filled_like_a_person_would() -> None:
    html = """<form method="post" action="/login/abc">
      <input type="hidden" name="csrf" value="t0k">
      <input type="text" name="identifier" value="">
      <input type="password" name="password">
      <button type="submit" name="decision" value="deny">No</button>
      <button type="submit" name="decision" value="allow">Yes</button></form>"""
    method, action, data = fill(html, "alice", "s3cret")
    assert (method, action) == ("POST", "/login/abc")
    assert data == {"csrf": "t0k", "identifier": "alice", "password": "s3cret", "decision": "allow"}


MACHINE = {
    "cpu": "CPU",
    "cores": 2,
    "memory_gib": 24,
    "kernel": "Linux",
    "load_before": "0.1",
    "load_after": "0.2",
    "python": "3.11",
    "node": "v22",
    "oidc-provider": "9.13.3",
    "wrk": "wrk 4.1.0",
}


def _run(rps: float, p99: float = 5.0) -> dict[str, object]:
    return {
        "requests_per_s": rps,
        "p50_ms": 1.0,
        "p99_ms": p99,
        "requests": 10,
        "non_2xx": 0,
        "socket_errors": 0,
    }


def _results(
    scenarios: list[dict[str, object]], *, rounds: int = 3, argon2: float = 30.0, **more: object
) -> dict[str, object]:
    """A run's results around ``scenarios``: settings, machine and floor as the bench writes
    them (``more`` adds top-level keys, and ``variants`` goes into the settings)."""
    settings: dict[str, object] = {
        "workers": 2,
        "load": "wrk -t2 -c32 -d20s --latency",
        "warmup": 5,
        "rounds": rounds,
        "database": "embedded SQLite",
        "bastion_stack": "uvicorn",
    }
    if "variants" in more:
        settings["variants"] = more.pop("variants")
    return {
        "started_at": "2026-11-26T00:00:00+00:00",
        "machine": MACHINE,
        "settings": settings,
        "floor": {
            "rs256_sign_per_s": 1000,
            "rs256_verify_per_s": 30000,
            "es256_sign_per_s": 20000,
            "argon2id_verify_per_s": argon2,
        },
        "scenarios": scenarios,
        **more,
    }


def test_medians_ratios_and_the_table() -> None:
    bastion = summarize([_run(900), _run(1100), _run(1000)])
    peer = summarize([_run(500), _run(500, 9.0)])
    assert bastion["requests_per_s"] == 1000
    assert bastion["spread_pct"] == 20.0
    assert ratio(bastion, peer) == 2.0
    results = _results(
        [
            {
                "name": "cc_rs256",
                "title": "client_credentials, RS256 JWT",
                "note": "",
                "signatures": {"alg": "rs256", "count": 1},
                "bastion": {"runs": [], "median": bastion},
                "peer": {"runs": [], "median": peer},
                "ratio": 2.0,
            },
            {
                "name": "refresh",
                "title": "refresh",
                "note": "",
                "skipped": {"bastion": "not yet", "peer": "not yet"},
            },
        ]
    )
    table = markdown(results)
    assert "| client_credentials, RS256 JWT | 1,000 | 1.00 | 5.00 | 500 | 1.00 | 7.00 |" in table
    assert "**2.00\N{MULTIPLICATION SIGN}**" in table
    assert "| refresh | *not yet* |" in table
    assert (
        "- client_credentials, RS256 JWT: 1 RS256 signature per request, 1,000 µs of CPU bare, "
        "so 2 cores' bare signing rate allows 2,000/s: Bastion 1,000/s (50%), the peer 500/s (25%)."
    ) in table


def test_floor_lines_count_every_signature_and_show_the_cpu_beyond_signing() -> None:
    bastion = summarize([{**_run(400), "cpu_us_per_request": 3200.0}])
    peer = summarize([{**_run(500), "cpu_us_per_request": 2900.0}])
    results = _results(
        [
            {
                "name": "refresh",
                "title": "refresh-token rotation",
                "note": "",
                "signatures": {"alg": "rs256", "count": 2},
                "bastion": {"runs": [], "median": bastion},
                "peer": {"runs": [], "median": peer},
                "ratio": 0.8,
            },
            {
                "name": "jwks",
                "title": "JWKS",
                "note": "",
                "bastion": {"runs": [], "median": bastion},
                "peer": {"runs": [], "median": peer},
                "ratio": 0.8,
            },
        ],
        rounds=1,
    )
    table = markdown(results)
    assert (
        "- refresh-token rotation: 2 RS256 signatures per request, 2,000 µs of CPU bare, so 2 "
        "cores' bare signing rate allows 1,000/s: Bastion 400/s (40%; 1,200 µs of CPU per "
        "request beyond signing), the peer 500/s (50%; 900 µs of CPU per request beyond signing)."
    ) in table
    assert "- JWKS:" not in table  # signs nothing: no floor line


def test_stateful_loads_are_refused_when_they_did_not_do_what_they_claim() -> None:
    assert _pool_outlasted({"first": 900, "repeats": 0}, 1000) is None
    assert "ran out" in str(_pool_outlasted({"first": 1000, "repeats": 5}, 1000))
    assert _chains_held({"rotations": 50, "refused": 3}) is None  # refused pool tokens: fine
    assert "broke" in str(_chains_held({"rotations": 50, "broken": 1}))
    assert "no usable" in str(_chains_held({"rotations": 50, "stuck": 1}))
    assert "no refresh token" in str(_chains_held({"rotations": 0}))
    assert _logins_done({"logins": 40, "failures": 0}) is None
    assert "did not end with tokens" in str(_logins_done({"logins": 40, "failures": 2}))
    assert "no sign-in" in str(_logins_done({"logins": 0}))


def test_sign_in_cpu_stack_and_peak_memory_sections() -> None:
    signin_run = {
        **_run(100.0),
        "cpu_us_per_request": 20000.0,
        "peak_worker_mib": 140.5,
        "extra": {"logins": 250, "failures": 0, "duration_us": 10_000_000},
    }
    assert logins_per_s(signin_run) == 25.0
    signin = summarize([signin_run])
    assert signin["logins_per_s"] == 25.0 and signin["cpu_us_per_request"] == 20000.0
    intro = summarize([{**_run(4000), "cpu_us_per_request": 300.0, "peak_worker_mib": 99.0}])
    peer = summarize([{**_run(5000), "cpu_us_per_request": 330.0, "peak_worker_mib": 150.0}])
    granian = summarize([{**_run(4400), "cpu_us_per_request": 290.0}])
    results = _results(
        [
            {
                "name": "introspection",
                "title": "introspection",
                "note": "",
                "bastion": {"runs": [{**_run(4000), "peak_worker_mib": 99.0}], "median": intro},
                "bastion@granian": {"runs": [], "median": granian},
                "peer": {"runs": [{**_run(5000), "peak_worker_mib": 150.0}], "median": peer},
                "ratio": 0.8,
            },
            {
                "name": "signin",
                "title": "sign-in",
                "note": "",
                "load": "wrk -t16 -c16 -d20s --latency",
                "bastion": {"runs": [signin_run], "median": signin},
                "skipped": {"peer": "not offered by this server"},
            },
        ],
        rounds=1,
        argon2=25.0,
        variants={"bastion@granian": "granian"},
        memory={
            "bastion": {"after_start": {"max_worker": 90.0, "total": 270.0}, "after": {}},
            "peer": {"after_start": {"max_worker": 85.0, "total": 220.0}, "after": {}},
        },
    )
    table = markdown(results)
    assert "| sign-in | 25.0 logins/s | - | - | *not offered by this server* |" in table
    assert "**12.5 logins/s per core**" in table and "0.83\N{MULTIPLICATION SIGN} that" in table
    assert "reach 50% of that ceiling" in table
    assert "| introspection | 300 | 330 | 1.10\N{MULTIPLICATION SIGN} |" in table
    assert "| introspection | 4,000 | 300 | 4,400 | 290 | 1.10\N{MULTIPLICATION SIGN} |" in table
    assert "bastion 140.5 MiB (sign-in); peer 150.0 MiB (introspection)" in table
    assert "Load: `wrk -t16 -c16 -d20s --latency`." in table


def test_cpu_time_counts_the_companion_processes() -> None:
    """Bastion on PostgreSQL: the database server's processes count in Bastion's CPU time,
    the live ones and those its postmaster (the first companion) has already reaped."""
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
    postmaster = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, sys, time\nsubprocess.run([sys.executable, '-c', {burn!r}])\n"
            "print('reaped', flush=True)\ntime.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    serving = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    backend = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        assert postmaster.stdout is not None and postmaster.stdout.readline() == "reaped\n"
        alone = Server("bastion", 0, 1, Path(os.devnull), process=serving)
        with_db = replace(alone, companions=lambda: [postmaster.pid, backend.pid])
        deadline = time.monotonic() + 20
        while _cpu_ticks(backend.pid) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        live = _cpu_ticks(backend.pid) / os.sysconf("SC_CLK_TCK")
        assert live >= 0.2
        assert with_db.cpu_seconds() - alone.cpu_seconds() >= live + 0.25  # + the exited child
    finally:
        for process in (postmaster, serving, backend):
            process.kill()
            process.wait()
