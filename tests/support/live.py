"""Starting a real Bastion server (`bastion serve` in a subprocess) for integration tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.postgres import free_port

TEST_MASTER_KEY = "Zml4ZWQtdGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzISE"  # 32 bytes, tests only


def base_env(data_dir: Path, database_url: str, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_")}
    env.update(
        {
            "BASTION_DATA_DIR": str(data_dir),
            "BASTION_DATABASE_URL": database_url,
            "BASTION_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "BASTION_PORT": str(port),
            "BASTION_MASTER_KEY": TEST_MASTER_KEY,
            "BASTION_INVALIDATION_POLL_INTERVAL": "0.2",
            "BASTION_CLIENT_AUTH_FAILURE_LIMIT": "100000",
            # Sign-in tests run from one address: only the rate-limit tests lower these.
            "BASTION_IP_FAILURE_LIMIT": "100000",
            "BASTION_SIGNIN_FAILURE_LIMIT": "100000",
            "BASTION_SIGNUP_LIMIT": "100000",
            "BASTION_REFRESH_REUSE_GRACE": "0",
            "BASTION_DEVICE_POLL_INTERVAL": "1",
            "BASTION_LOG_LEVEL": "info",
        }
    )
    env.update(extra)
    return env


def run_cli(
    env: dict[str, str], *args: str, check: bool = True, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "bastion.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"bastion {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@dataclass
class LiveServer:
    base_url: str
    env: dict[str, str]
    data_dir: Path
    log_path: Path
    bootstrap: dict[str, Any]
    process: subprocess.Popen[bytes] | None = None
    extra_nodes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return str(self.bootstrap["issuer"])

    @property
    def platform_issuer(self) -> str:
        return str(self.bootstrap["platform_issuer"])

    @property
    def m2m(self) -> tuple[str, str]:
        return str(self.bootstrap["m2m_client_id"]), str(self.bootstrap["m2m_client_secret"])

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_cli(self.env, *args, check=check)

    def cli_json(self, *args: str) -> Any:
        return json.loads(self.cli(*args).stdout)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def start_node(self, port: int | None = None) -> str:
        """Another node on the same database (a second `bastion serve`); returns its base URL."""
        port = port or free_port()
        env = dict(self.env, BASTION_PORT=str(port))
        log = (self.data_dir / f"node-{port}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "bastion.cli.main", "serve"], env=env, stdout=log, stderr=log
        )
        self.extra_nodes.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc, self.data_dir / f"node-{port}.log")
        return url

    def stop(self) -> None:
        for proc in [*self.extra_nodes, *([self.process] if self.process else [])]:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_ready(
    url: str, proc: subprocess.Popen[bytes], log_path: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server did not become ready:\n{log_path.read_text()}")


def start_live_server(data_dir: Path, database_url: str, **extra_env: str) -> LiveServer:
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = base_env(data_dir, database_url, port, **extra_env)
    run_cli(env, "migrate")
    boot = json.loads(run_cli(env, "bootstrap", "--json").stdout)
    log_path = data_dir / "server.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bastion.cli.main", "serve"], env=env, stdout=log, stderr=log
    )
    server = LiveServer(
        base_url=f"http://127.0.0.1:{port}",
        env=env,
        data_dir=data_dir,
        log_path=log_path,
        bootstrap=boot,
        process=proc,
    )
    try:
        wait_ready(server.base_url, proc, log_path)
    except Exception:
        server.stop()
        raise
    return server
