"""Running the load generator (wrk) and reading its report.

wrk is started with a fixed number of threads and connections, for a fixed duration, with a
hard timeout on the process as a second bound. Its text report is parsed into a
:class:`LoadResult`; lines that the Lua scripts print as ``bench: key=value ...`` become
``extra`` counters.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

LUA = Path(__file__).with_name("lua")
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_LATENCY = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.M)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", re.M)
_NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses:\s+(\d+)", re.M)
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.M)
_EXTRA = re.compile(r"^bench:\s+(.*)$", re.M)


@dataclass(frozen=True)
class LoadSettings:
    threads: int = 2
    connections: int = 32
    duration: float = 20.0
    warmup: float = 5.0

    def describe(self) -> str:
        return f"wrk -t{self.threads} -c{self.connections} -d{self.duration:g}s --latency"


@dataclass
class LoadResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int = 0
    socket_errors: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "requests_per_s": round(self.requests_per_s, 1),
            "p50_ms": round(self.p50_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "requests": self.requests,
            "non_2xx": self.non_2xx,
            "socket_errors": self.socket_errors,
            **({"extra": self.extra} if self.extra else {}),
        }


class LoadError(RuntimeError):
    pass


def parse_report(text: str) -> LoadResult:
    rate = _RATE.search(text)
    total = _TOTAL.search(text)
    if rate is None or total is None:
        raise LoadError(f"unexpected wrk output:\n{text[-2000:]}")
    latency = {m[0]: float(m[1]) * _UNITS[m[2]] for m in _LATENCY.findall(text)}
    non_2xx = _NON_2XX.search(text)
    socket = _SOCKET.search(text)
    extra: dict[str, int] = {}
    for line in _EXTRA.findall(text):
        for item in line.split():
            key, _, value = item.partition("=")
            if value.isdigit():
                extra[key] = int(value)
    return LoadResult(
        requests_per_s=float(rate[1]),
        p50_ms=latency.get("50", float("nan")),
        p99_ms=latency.get("99", float("nan")),
        requests=int(total[1]),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
        extra=extra,
    )


def wrk_command(url: str, settings: LoadSettings, duration: float, script: str | None) -> list[str]:
    command = [
        "wrk",
        f"-t{settings.threads}",
        f"-c{settings.connections}",
        f"-d{max(1, math.ceil(duration))}s",  # wrk takes whole seconds only
        "--timeout",
        "10s",
        "--latency",
    ]
    if script:
        command += ["-s", str(LUA / script)]
    return [*command, url]


def run_load(
    url: str,
    settings: LoadSettings,
    *,
    script: str | None = None,
    env: dict[str, str] | None = None,
    warmup: bool = True,
) -> LoadResult:
    """A warm-up (its figures discarded) then the measured load."""
    if warmup and settings.warmup > 0:
        _run(wrk_command(url, settings, settings.warmup, script), settings.warmup, env)
    return parse_report(
        _run(wrk_command(url, settings, settings.duration, script), settings.duration, env)
    )


def _run(command: list[str], duration: float, env: dict[str, str] | None) -> str:
    env = dict(env or os.environ, BENCH_LUA_DIR=str(LUA))  # where the scripts find common.lua
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=duration + 30, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise LoadError(f"wrk did not finish: {' '.join(command)}") from exc
    if done.returncode != 0:
        raise LoadError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-1000:]}")
    return done.stdout


MINT_PROBE_SECONDS = 2.0
MINT_ROUNDS = 8


def mint_tokens(url: str, body: str, authorization: str, *, count: int, out: Path) -> list[str]:
    """``count`` access tokens from ``url`` (a token endpoint), minted by wrk with mint.lua,
    written to ``out`` one a line. Each wrk run lasts as long as the rate of the runs before
    it says the tokens still missing take."""
    settings = LoadSettings(threads=2, connections=16, warmup=0)
    env = dict(os.environ, BENCH_BODY=body, BENCH_AUTHORIZATION=authorization)
    part = out.with_suffix(".part")
    tokens: list[str] = []
    seconds = MINT_PROBE_SECONDS
    for _ in range(MINT_ROUNDS):
        env["BENCH_OUT"] = str(part)
        report = parse_report(_run(wrk_command(url, settings, seconds, "mint.lua"), seconds, env))
        minted = part.read_text().split()
        if report.extra.get("refused") or not minted:
            raise LoadError(f"minting at {url} was refused: {report.extra}")
        tokens += minted
        missing = count - len(tokens)
        if missing <= 0:
            break
        seconds = min(120.0, math.ceil(missing / (len(minted) / seconds) * 1.1) + 1)
    part.unlink(missing_ok=True)
    if len(tokens) < count:
        raise LoadError(f"minted {len(tokens)} of {count} tokens at {url}")
    out.write_text("\n".join(tokens[:count]) + "\n")
    return tokens[:count]
