"""Starting, probing and stopping the two servers, and reading their resident memory.

Both listen on 127.0.0.1 with the same number of worker processes. Bastion runs with the
README's production defaults (``bastion serve``: JSON logs at info, metrics on) on its embedded
SQLite database, or on a PostgreSQL server started here when asked; the peer runs in
production mode with its in-memory adapter.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TMP = ROOT / "bench" / "results" / "tmp"
BASTION = Path(sys.executable).with_name("bastion")
RS256_RESOURCE = "https://rs256.bench.example"
ES256_RESOURCE = "https://es256.bench.example"
LOG_LIMIT = 32 * 1024 * 1024  # access logs of a long run are cut back to this between loads
USER_NAME = "bench-user"


@dataclass
class Credentials:
    client_id: str
    client_secret: str


@dataclass
class Issuer:
    """One issuer as the scenarios use it: its URL and a confidential client of it."""

    url: str
    client: Credentials
    resource: str


@dataclass
class Server:
    name: str  # "bastion", "peer", or "bastion@granian" for a second Bastion on another stack
    port: int
    workers: int
    log_path: Path
    kind: str = "bastion"  # "bastion" or "peer"
    stack: str = ""
    rs256: Issuer | None = None
    es256: Issuer | None = None
    user_password: str = ""
    process: subprocess.Popen[bytes] | None = None
    notes: list[str] = field(default_factory=list)
    # Processes that serve it without being its children, counted in its CPU time: its
    # PostgreSQL server, the postmaster first, then the postmaster's children.
    companions: Callable[[], list[int]] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The serving processes: the workers, or the one process when there are none."""
        if self.process is None:
            return []
        children = _children(self.process.pid)
        return children or [self.process.pid]

    def memory_mib(self) -> dict[str, Any]:
        workers = [round(_rss_kib(pid) / 1024, 1) for pid in self.pids()]
        parent = self.process.pid if self.process else 0
        total = sum(workers) + (_rss_kib(parent) / 1024 if self.pids() != [parent] else 0)
        return {
            "per_worker": workers,
            "max_worker": max(workers, default=0),
            "total": round(total, 1),
        }

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the serving processes, their parent and
        the companions, with what the first companion's children used before they exited (a
        PostgreSQL backend ends with its connection; the postmaster has reaped it)."""
        if self.process is None:
            return 0.0
        ticks = sum(_cpu_ticks(pid) for pid in {self.process.pid, *self.pids()})
        if self.companions is not None:
            root, *others = self.companions() or [0]
            ticks += _cpu_ticks(root, reaped=True) + sum(_cpu_ticks(pid) for pid in others)
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_ready(self, path: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log_tail()}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(  # noqa: S310 (http only)
                    self.base_url + path, timeout=2
                ) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not become ready:\n{self.log_tail()}")

    def trim_log(self) -> None:
        with contextlib.suppress(OSError):
            if self.log_path.stat().st_size > LOG_LIMIT:
                os.truncate(self.log_path, 0)

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            for pid in self.pids():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.kill()
            self.process.wait()


def process_tree(root: int | None) -> list[int]:
    """``root`` and its children (the companions' order: root first); empty without a root."""
    return [root, *_children(root)] if root is not None else []


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            found += [int(p) for p in text]
    # uvicorn's supervisor also starts a resource tracker; only count processes that serve.
    return [p for p in found if "resource_tracker" not in _cmdline(p)]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _cpu_ticks(pid: int, *, reaped: bool = False) -> int:
    """utime + stime of ``pid``, and with ``reaped`` those of its children that have exited."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    own = int(fields[11]) + int(fields[12])
    return own + int(fields[13]) + int(fields[14]) if reaped else own  # cutime, cstime


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(BASTION), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        input=stdin,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bastion {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def start_bastion(
    port: int,
    workers: int,
    *,
    name: str = "bastion",
    database_url: str | None = None,
    companions: Callable[[], list[int]] | None = None,
    stack: str | None = None,
    sqlite_driver: str | None = None,
) -> Server:
    data = TMP / f"bastion-{port}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_")}
    env.update(
        BASTION_DATA_DIR=str(data),
        BASTION_PUBLIC_URL=f"http://127.0.0.1:{port}",
        BASTION_PORT=str(port),
        BASTION_WORKERS=str(workers),
    )
    if database_url:
        env.update(BASTION_DATABASE_URL=database_url, BASTION_MASTER_KEY=_master_key())
    if stack:
        env["BASTION_SERVER"] = stack
    if sqlite_driver:
        env["BASTION_SQLITE_DRIVER"] = sqlite_driver
    _cli(env, "migrate")
    _cli(env, "bootstrap", "--json")
    password = secrets.token_urlsafe(16)
    server = Server(
        name,
        port,
        workers,
        data / "server.log",
        stack=stack or "",
        user_password=password,
        companions=companions,
    )
    for alg, resource in (("RS256", RS256_RESOURCE), ("ES256", ES256_RESOURCE)):
        slug = f"bench-{alg.lower()}"
        _cli(env, "apps", "create", "--workspace", "demo", "--slug", slug, "--alg", alg)
        created = json.loads(_cli(env, "clients", "create", "--app", slug, *_client_args(resource)))
        issuer = Issuer(
            f"{server.base_url}/{slug}",
            Credentials(created["client_id"], created["client_secret"]),
            resource,
        )
        setattr(server, alg.lower(), issuer)
    # The end user of the refresh and sign-in scenarios, made through the CLI.
    user = ["users", "create", "--app", "bench-rs256", "--username", USER_NAME, "--password-stdin"]
    _cli(env, *user, stdin=password + "\n")
    log = server.log_path.open("ab")
    server.process = subprocess.Popen([str(BASTION), "serve"], env=env, stdout=log, stderr=log)
    server.wait_ready("/readyz")
    return server


def _client_args(resource: str) -> list[str]:
    """One confidential client: client credentials for the resource, and the code and refresh
    grants (redirect URI as in flows.py) for the refresh and sign-in scenarios."""
    args = ["--name", "bench", "--audience", resource, "--redirect-uri", "http://127.0.0.1/cb"]
    for grant in ("client_credentials", "authorization_code", "refresh_token"):
        args += ["--grant", grant]
    for scope in ("api", "openid", "offline_access"):
        args += ["--scope", scope]
    return args


def start_peer(node: Path, port: int, workers: int) -> Server:
    TMP.mkdir(parents=True, exist_ok=True)
    client = Credentials("bench-client", secrets.token_urlsafe(32))
    password = secrets.token_urlsafe(16)
    env = dict(
        os.environ,
        NODE_ENV="production",
        PORT=str(port),
        WORKERS=str(workers),
        CLIENT_ID=client.client_id,
        CLIENT_SECRET=client.client_secret,
        USER_NAME=USER_NAME,
        USER_PASSWORD=password,
    )
    server = Server(
        "peer", port, workers, TMP / f"peer-{port}.log", kind="peer", user_password=password
    )
    server.rs256 = Issuer(server.base_url, client, RS256_RESOURCE)
    server.es256 = Issuer(server.base_url, client, ES256_RESOURCE)
    log = server.log_path.open("ab")
    server.process = subprocess.Popen(
        [str(node), "server.mjs"],
        cwd=Path(__file__).with_name("peer"),
        env=env,
        stdout=log,
        stderr=log,
    )
    server.wait_ready("/.well-known/openid-configuration")
    return server


def _master_key() -> str:
    import base64

    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
