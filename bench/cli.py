"""The benchmark run: install what is missing, measure the crypto floor, start both servers,
load every scenario on each in turn, stop everything, write the results."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bastion.cli.serve import DEFAULT_STACK, STACKS
from bastion.settings import DEFAULT_SQLITE_DRIVER
from bench import floor, report, tools
from bench.loadgen import LoadError, LoadResult, LoadSettings, run_load
from bench.scenarios import SCENARIOS, available
from bench.servers import ROOT, Server, process_tree, start_bastion, start_peer
from bench.targets import LoadPlan, Scenario, ScenarioError, Target

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
        "--compare-stacks",
        action="store_true",
        help="also run a Bastion on each other server stack, loaded in the same rounds",
    )
    parser.add_argument(
        "--sqlite-driver",
        choices=["aiosqlite", "inline"],
        default=None,
        help="Bastion's SQLite driver (default: what `bastion serve` uses, aiosqlite)",
    )
    parser.add_argument(
        "--compare-drivers",
        action="store_true",
        help="also run a Bastion on the other SQLite driver, loaded in the same rounds",
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


@dataclass(frozen=True)
class Database:
    """Where a Bastion under test keeps its data (``url`` None: its embedded SQLite), and the
    processes of the database server, whose CPU time counts as Bastion's."""

    url: str | None
    described: str
    pids: Callable[[], list[int]] | None = None


@contextlib.contextmanager
def database(kind: str, sqlite_driver: str) -> Iterator[Database]:
    if kind == "sqlite":
        yield Database(None, f"embedded SQLite ({sqlite_driver})")
        return
    from tests.support.postgres import PostgresServer  # the test suite's Debian PostgreSQL

    server = PostgresServer(durable=True)  # PostgreSQL's own defaults, as in production
    server.start()
    try:
        yield Database(
            server.create_database("bastion_bench"),
            f"PostgreSQL {server.version()} (its default durability: fsync and synchronous "
            "commits; the CPU time of its processes counts as Bastion's)",
            lambda: process_tree(server.postmaster_pid()),
        )
    finally:
        server.stop()


def load_settings(args: argparse.Namespace, scenario: Scenario) -> LoadSettings:
    duration = min(args.duration, scenario.max_seconds or args.duration)
    if scenario.connections:
        c = scenario.connections
        return LoadSettings(c, c, duration, args.warmup)
    return LoadSettings(args.threads, args.connections, duration, args.warmup)


class PeakMemory:
    """The largest worker's resident memory, sampled every half second while in the block."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.mib = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            self.mib = max(self.mib, self.server.memory_mib()["max_worker"])
            if self._done.wait(0.5):
                return

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()


class Runner:
    """The loads of one scenario on one server: prepared once, or afresh for every load when
    the scenario uses up what it prepared; each measured load checked and its CPU time read."""

    def __init__(self, scenario: Scenario, server: Server, settings: LoadSettings) -> None:
        self.scenario = scenario
        self.server = server
        self.settings = settings
        self.target: Target | None = None
        self.rate_seen: float | None = None
        if not scenario.consumes_state:
            self.target = scenario.prepare(server, self._plan(settings.duration))

    def _plan(self, seconds: float) -> LoadPlan:
        return LoadPlan(seconds, self.settings.threads, self.rate_seen)

    def _run(self, target: Target, settings: LoadSettings, *, warmup: bool) -> LoadResult:
        env = dict(os.environ, **target.env)
        return run_load(target.url, settings, script=target.script, env=env, warmup=warmup)

    def measure(self) -> tuple[dict[str, Any], str | None]:
        """One measured load (after its warm-up): its figures, and why they do not count."""
        target = self.target
        if target is None:  # fresh state for the warm-up, then again for the measured load
            if self.settings.warmup > 0:
                short = replace(self.settings, duration=self.settings.warmup)
                fresh = self.scenario.prepare(self.server, self._plan(short.duration))
                warm = self._run(fresh, short, warmup=False)
                self.rate_seen = max(self.rate_seen or 0, warm.requests_per_s)
            target = self.scenario.prepare(self.server, self._plan(self.settings.duration))
        elif self.settings.warmup > 0:
            self._run(target, replace(self.settings, duration=self.settings.warmup), warmup=False)
        cpu = self.server.cpu_seconds()
        with PeakMemory(self.server) as peak:
            result = self._run(target, self.settings, warmup=False)
        cpu = self.server.cpu_seconds() - cpu
        self.rate_seen = max(self.rate_seen or 0, result.requests_per_s)
        figures = result.to_dict()
        figures["cpu_us_per_request"] = round(1e6 * cpu / max(result.requests, 1), 1)
        figures["peak_worker_mib"] = peak.mib
        return figures, target.check(result.extra) if target.check else None


def run_scenario(
    scenario: Scenario, servers: list[Server], args: argparse.Namespace
) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": scenario.name, "title": scenario.title, "note": scenario.note}
    if scenario.signatures:
        alg, count = scenario.signatures
        entry["signatures"] = {"alg": alg, "count": count}
    settings = load_settings(args, scenario)
    entry["load"] = settings.describe()
    runners: dict[str, Runner] = {}
    for server in servers:
        reason = available(scenario, server)
        if reason is None:
            try:
                runners[server.name] = Runner(scenario, server, settings)
            except (ScenarioError, LoadError) as exc:
                reason = str(exc)
        if reason is not None:
            entry.setdefault("skipped", {})[server.name] = reason
            tools.say(f"{scenario.name} on {server.name}: skipped ({reason})")
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in runners}
    for round_no in range(args.rounds):
        order = servers if round_no % 2 == 0 else servers[::-1]
        for server in order:
            runner = runners.get(server.name)
            if runner is None:
                continue
            try:
                figures, problem = runner.measure()
            except (ScenarioError, LoadError) as exc:  # this server's rounds end; the run goes on
                entry.setdefault("skipped", {})[server.name] = str(exc)
                runners.pop(server.name)
                tools.say(f"{scenario.name} on {server.name}: stopped ({exc})")
                continue
            if problem:
                entry.setdefault("problems", {})[server.name] = problem
            runs[server.name].append(figures)
            server.trim_log()
            tools.say(
                f"{scenario.name} on {server.name}: {figures['requests_per_s']:,.0f} req/s, "
                f"p99 {figures['p99_ms']:.1f} ms{' (' + problem + ')' if problem else ''}"
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
    memory: dict[str, Any] = {}
    main_stack = args.stack or DEFAULT_STACK
    driver = args.sqlite_driver or DEFAULT_SQLITE_DRIVER
    # Variants of Bastion loaded in the same rounds, each with one setting changed.
    variants: dict[str, tuple[str, dict[str, str]]] = {}
    if args.compare_stacks:
        for stack in STACKS:
            if stack != main_stack:
                variants[f"bastion@{stack}"] = (STACKS[stack], {"stack": stack})
    if args.compare_drivers and args.db == "sqlite":
        other = "inline" if driver == "aiosqlite" else "aiosqlite"
        variants[f"bastion@{other}"] = (f"SQLite {other}", {"sqlite_driver": other})
    with contextlib.ExitStack() as databases:
        main_db = databases.enter_context(database(args.db, driver))
        try:
            tools.say(f"starting Bastion and the peer, {args.workers} workers each")
            servers.append(
                start_bastion(
                    free_port(),
                    args.workers,
                    database_url=main_db.url,
                    companions=main_db.pids,
                    stack=main_stack,
                    sqlite_driver=driver,
                )
            )
            for name, (_, change) in variants.items():  # each on a database of its own
                settings = {"stack": main_stack, "sqlite_driver": driver, **change}
                own_db = databases.enter_context(database(args.db, settings["sqlite_driver"]))
                servers.append(
                    start_bastion(
                        free_port(),
                        args.workers,
                        name=name,
                        database_url=own_db.url,
                        companions=own_db.pids,
                        **settings,
                    )
                )
            servers.append(start_peer(node, free_port(), args.workers))
            time.sleep(2)
            for server in servers:
                memory[server.name] = {"after_start": server.memory_mib(), "after": {}}
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
        "database": main_db.described,
        "bastion_stack": STACKS[main_stack],
        "variants": {name: description for name, (description, _) in variants.items()},
    }
    results["scenarios"] = scenarios
    results["memory"] = memory
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    out = Path(args.out)
    report.write(results, out)
    tools.say(f"results written to {out}.md and {out}.json")
    print(out.with_suffix(".md").read_text())
    return 0
