#!/usr/bin/env python3
"""Bastion's two commands, for a fresh machine with only Python 3.11+:

    python3 dev.py serve   set up, migrate, bootstrap the demo and serve on 127.0.0.1:8080
    python3 dev.py test    set up and run the whole test suite (SQLite, then PostgreSQL)

Both create ./.venv and install the project into it (again only when a pyproject changes).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
PY = BIN / "python"
STAMP = VENV / ".bastion-installed"
REQUIREMENTS = [ROOT / "pyproject.toml", *sorted(ROOT.glob("*/pyproject.toml"))]


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def run(*args: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> None:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def setup() -> None:
    if sys.version_info < (3, 11):
        sys.exit("Bastion needs Python 3.11 or newer")
    if not PY.exists():
        say("creating .venv")
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in REQUIREMENTS if p.exists()))
    if STAMP.exists() and STAMP.read_text() == digest.hexdigest():
        return
    say("installing Bastion and its test tools into .venv")
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    packages = ["-e", ".[test]"]
    if (ROOT / "sdk" / "pyproject.toml").exists():
        packages += ["-e", "./sdk[test]"]
    run(PY, "-m", "pip", "install", "--quiet", *packages)
    STAMP.write_text(digest.hexdigest())


def have_postgres() -> bool:
    return bool(list(Path("/usr/lib/postgresql").glob("*/bin/initdb")) or shutil.which("initdb"))


def have_chromium() -> bool:
    return Path("/usr/bin/chromium").exists() or bool(shutil.which("chromium"))


def node_major() -> int:
    node = shutil.which("node")
    if node is None:
        return 0
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    return int(version.strip().lstrip("v").split(".")[0] or 0)


def ensure_system_packages() -> None:
    """The PostgreSQL server binaries (the PostgreSQL half of the suite), Debian's Chromium
    (the hosted-page browser tests) and Node.js 20+ with npm (the relying-party test, which
    installs openid-client from the npm registry into tests/rp/node_modules)."""
    missing = [
        package
        for package, present in (("postgresql", have_postgres()), ("chromium", have_chromium()))
        if not present
    ]
    if node_major() < 20 or not shutil.which("npm"):
        missing += ["nodejs", "npm"]
    if not missing:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"installing {', '.join(missing)} from Debian packages")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run("apt-get", "update", "-qq", env=env)
        run("apt-get", "install", "-y", "-qq", *missing, env=env)
        if node_major() >= 20:
            return
    sys.exit(
        f"The test suite needs {', '.join(missing)} (PostgreSQL server binaries, Chromium, "
        "Node.js 20+ with npm). Install them, e.g. `sudo apt-get install -y postgresql "
        "chromium`, then run `python3 dev.py test` again."
    )


def serve() -> None:
    setup()
    args = sys.argv[2:]
    env = dict(os.environ)
    for flag in ("--host", "--port"):
        if flag in args[:-1]:  # bootstrap must print the URLs the server will answer on
            env["BASTION_" + flag[2:].upper()] = args[args.index(flag) + 1]
    bastion = str(BIN / "bastion")
    run(bastion, "migrate", env=env)
    run(bastion, "bootstrap", env=env)
    say("serving (Ctrl+C to stop)")
    os.execve(bastion, [bastion, "serve", *args], env)


def test() -> None:
    setup()
    ensure_system_packages()
    extra = sys.argv[2:]
    sdk = ROOT / "sdk"
    say("lint: ruff, mypy (server and SDK), import contracts")
    run(BIN / "ruff", "check", ".")
    run(BIN / "mypy")
    run(BIN / "mypy", cwd=sdk)
    run(BIN / "lint-imports")
    say("server tests on SQLite (everything)")
    run(PY, "-m", "pytest", "-q", "--db", "sqlite", *extra)
    say("SDK tests (unit, install, and integration against a live server on SQLite)")
    run(PY, "-m", "pytest", "-q", cwd=sdk)
    postgres = dict(os.environ, BASTION_TEST_DB="postgresql")
    say("server tests on PostgreSQL (database and integration tests)")
    run(PY, "-m", "pytest", "-q", "--db", "postgresql", "-m", "db or integration", *extra)
    say("SDK integration tests on PostgreSQL")
    run(PY, "-m", "pytest", "-q", "-m", "integration", env=postgres, cwd=sdk)
    say("all tests passed")


COMMANDS = {"serve": serve, "test": test}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]]()
