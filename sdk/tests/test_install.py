"""The SDK installs alone into a fresh virtual environment and pulls in no server code.

This builds and installs the distribution from a copy of sdk/ with `pip`, so it needs
the package index (PyPI) and takes some seconds. Set BASTION_SKIP_INSTALL_TEST=1 to
skip it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

SDK = Path(__file__).resolve().parents[1]
SERVER_PACKAGES = {
    "bastion",
    "starlette",
    "fastapi",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "aiosqlite",
    "asyncpg",
    "pydantic",
    "argon2-cffi",
    "prometheus-client",
}

pytestmark = [
    pytest.mark.install,
    pytest.mark.skipif(
        os.environ.get("BASTION_SKIP_INSTALL_TEST") == "1", reason="BASTION_SKIP_INSTALL_TEST=1"
    ),
]


def run(*args: str | Path, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=600
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_installs_alone_in_a_fresh_venv(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(
        SDK,
        source,
        ignore=shutil.ignore_patterns(
            "tests", "examples", "build", "*.egg-info", "__pycache__", ".*_cache"
        ),
    )
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", source)

    installed = {
        p["name"].lower()
        for p in json.loads(
            run(python, "-m", "pip", "list", "--format=json", "--disable-pip-version-check")
        )
    }
    assert "bastion-sdk" in installed
    assert {"httpx", "cryptography"} <= installed
    assert not installed & SERVER_PACKAGES, installed & SERVER_PACKAGES

    probe = (
        "import importlib.util, json, pathlib, bastion_sdk\n"
        "root = pathlib.Path(bastion_sdk.__file__).parent\n"
        "print(json.dumps({'version': bastion_sdk.__version__,"
        " 'typed': (root / 'py.typed').exists(),"
        " 'server': importlib.util.find_spec('bastion') is not None,"
        " 'names': len(bastion_sdk.__all__)}))\n"
    )
    report = json.loads(run(python, "-c", probe, cwd=tmp_path))
    assert report == {
        "version": "0.1.0",
        "typed": True,
        "server": False,
        "names": len(__import__("bastion_sdk").__all__),
    }
