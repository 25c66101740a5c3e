"""The benchmark run: install what is missing, measure the crypto floor, start both servers,
load every scenario on each in turn, stop everything, write the results."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import floor, report, tools
from bench.loadgen import LoadSettings, run_load
from bench.scenarios import SCENARIOS, Scenario, ScenarioError, Target, available
from bench.servers import ROOT, Server, start_bastion, start_peer

RESULTS = ROOT / "bench" / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes of each server (default: the core count)",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--duration", type=float, default=20, help="seconds measured per load")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of warm-up per load")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions (medians reported)")
    parser.add_argument("--scenarios", default="", help="comma-separated subset")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--stack",
        choices=["uvicorn", "granian"],
        default=None,
        help="Bastion's server stack (default: what `bastion serve` uses)",
    )
    parser.add_argument(
        "--out",
        default=str(RESULTS / "latest"),
        help="results path without extension (.md and .json are written)",
    )
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def machine() -> dict[str, Any]:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 1,
        "memory_gib": round(pages / 2**30),
        "kernel": f"Linux {platform.release()}",
        "load_before": _load(),
    }


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@contextlib.contextmanager
def database(kind: str) -> Iterator[str | None]:
    if kind == "sqlite":
        yield None
        return
    from tests.support.postgres import PostgresServer  # the test suite's Debian PostgreSQL

    server = PostgresServer()
    server.start()
    try:
        yield server.create_database("bastion_bench")
    finally:
        server.stop()


def load_settings(args: argparse.Namespace, scenario: Scenario) -> LoadSettings:
    if scenario.connections:
        return LoadSettings(scenario.connections, scenario.connections, args.duration, args.warmup)
    return LoadSettings(args.threads, args.connections, args.duration, args.warmup)


def run_scenario(
    scenario: Scenario, servers: list[Server], args: argparse.Namespace
) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": scenario.name, "title": scenario.title, "note": scenario.note}
    targets: dict[str, Target] = {}
    for server in servers:
        reason = available(scenario, server)
        if reason is None:
            try:
                targets[server.name] = scenario.prepare(server)
            except ScenarioError as exc:
                reason = str(exc)
        if reason is not None:
            entry.setdefault("skipped", {})[server.name] = reason
            tools.say(f"{scenario.name} on {server.name}: skipped ({reason})")
    settings = load_settings(args, scenario)
    entry["load"] = settings.describe()
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
    for round_no in range(args.rounds):
        order = servers if round_no % 2 == 0 else servers[::-1]
        for server in order:
            target = targets.get(server.name)
            if target is None:
                continue
            result = run_load(
                target.url, settings, script=target.script, env=dict(os.environ, **target.env)
            )
            problem = target.check(result.extra) if target.check else None
            if problem:
                entry.setdefault("problems", {})[server.name] = problem
            runs[server.name].append(result.to_dict())
            server.trim_log()
            tools.say(
                f"{scenario.name} on {server.name}: {result.requests_per_s:,.0f} req/s, "
                f"p99 {result.p99_ms:.1f} ms"
            )
    for name, measured in runs.items():
        valid = name not in entry.get("problems", {})
        entry[name] = {"runs": measured, "median": report.summarize(measured) if valid else {}}
    entry["ratio"] = report.ratio(
        entry.get("bastion", {}).get("median", {}), entry.get("peer", {}).get("median", {})
    )
    return entry


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tools.ensure_wrk()
    node = tools.ensure_peer()
    wanted = [s for s in SCENARIOS if not args.scenarios or s.name in args.scenarios.split(",")]
    results: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**machine(), **tools.tool_versions(node)},
    }
    tools.say("measuring the crypto floor (no server running)")
    results["floor"] = floor.measure()
    servers: list[Server] = []
    memory: dict[str, Any] = {"bastion": {"after": {}}, "peer": {"after": {}}}
    with database(args.db) as database_url:
        try:
            tools.say(f"starting Bastion and the peer, {args.workers} workers each")
            servers.append(
                start_bastion(
                    free_port(), args.workers, database_url=database_url, stack=args.stack
                )
            )
            servers.append(start_peer(node, free_port(), args.workers))
            time.sleep(2)
            for server in servers:
                memory[server.name]["after_start"] = server.memory_mib()
            scenarios = []
            for scenario in wanted:
                scenarios.append(run_scenario(scenario, servers, args))
                for server in servers:
                    memory[server.name]["after"][scenario.name] = server.memory_mib()
        finally:
            for server in servers:
                server.stop()
    results["machine"]["load_after"] = _load()
    results["settings"] = {
        "workers": args.workers,
        "load": LoadSettings(args.threads, args.connections, args.duration).describe(),
        "warmup": args.warmup,
        "rounds": args.rounds,
        "database": "embedded SQLite" if args.db == "sqlite" else "PostgreSQL",
        "bastion_stack": _stack_name(args.stack),
    }
    results["scenarios"] = scenarios
    results["memory"] = memory
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    out = Path(args.out)
    report.write(results, out)
    tools.say(f"results written to {out}.md and {out}.json")
    print(out.with_suffix(".md").read_text())
    return 0


def _stack_name(stack: str | None) -> str:
    from bastion.cli.serve import DEFAULT_STACK, STACKS

    return STACKS[stack or DEFAULT_STACK]
