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


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
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


def ensure_system_packages() -> None:
    """PostgreSQL server binaries are needed by the PostgreSQL half of the suite."""
    if have_postgres():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing PostgreSQL from Debian packages")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run("apt-get", "update", "-qq", env=env)
        run("apt-get", "install", "-y", "-qq", "postgresql", env=env)
        return
    sys.exit(
        "The test suite needs the PostgreSQL server binaries (initdb, pg_ctl). Install them, "
        "e.g. `sudo apt-get install -y postgresql`, then run `python3 dev.py test` again."
    )


def serve() -> None:
    setup()
    bastion = str(BIN / "bastion")
    run(bastion, "migrate")
    run(bastion, "bootstrap")
    say("serving on http://127.0.0.1:8080 (Ctrl+C to stop)")
    os.execv(bastion, [bastion, "serve", *sys.argv[2:]])


def test() -> None:
    setup()
    ensure_system_packages()
    extra = sys.argv[2:]
    say("lint: ruff, mypy, import contracts")
    run(BIN / "ruff", "check", ".")
    run(BIN / "mypy")
    run(BIN / "lint-imports")
    say("tests on SQLite (everything)")
    run(PY, "-m", "pytest", "-q", "--db", "sqlite", *extra)
    say("tests on PostgreSQL (database and integration tests)")
    run(PY, "-m", "pytest", "-q", "--db", "postgresql", "-m", "db or integration", *extra)
    say("all tests passed")


COMMANDS = {"serve": serve, "test": test}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]]()
