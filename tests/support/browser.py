"""Headless Chromium (Debian's `chromium` package) driven by Playwright, and the Node.js
relying party installed from the npm registry into tests/rp/node_modules (gitignored)."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

from tests.support.postgres import free_port

CHROMIUM = Path("/usr/bin/chromium")
# Chromium as root, in a sandbox with no network but loopback and no GPU.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
RP_DIR = Path(__file__).resolve().parents[1] / "rp"


def chromium_path() -> str:
    found = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    if not found:
        raise RuntimeError(
            "the browser tests need Debian's chromium package: apt-get install -y chromium "
            "(python3 dev.py test installs it when run as root)"
        )
    return str(found)


def install_relying_party() -> Path:
    """`npm ci` from the committed lockfile, once; returns the directory to run node in."""
    marker = RP_DIR / "node_modules" / "openid-client" / "package.json"
    if not marker.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("the relying-party test needs Node.js 20+ and npm")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=RP_DIR,
            check=True,
            timeout=300,
        )
    return RP_DIR


class RelyingParty:
    """The Node process: JSON lines out, callback URLs in."""

    def __init__(self, directory: Path, settings: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            ["node", "rp.mjs", json.dumps(settings)],
            cwd=directory,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=10)
            assert self.process.stderr is not None
            raise AssertionError(f"the relying party stopped:\n{self.process.stderr.read()}")
        message: dict[str, Any] = json.loads(line)
        return message

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


class CallbackServer:
    """A client's redirect URI on 127.0.0.1 that records where the browser arrived.

    (Playwright does not route the target of a redirect, so a real listener is needed.)
    """

    def __init__(self) -> None:
        urls: list[str] = []
        self.urls = urls
        self.port = free_port()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if not self.path.startswith("/callback"):  # the browser's /favicon.ico
                    self.send_error(404)
                    return
                urls.append(f"http://127.0.0.1:{self.server.server_port}{self.path}")
                body = b"<!doctype html><title>Client</title><h1>Back at the client</h1>"
                self.send_response(200)
                self.send_header("content-type", "text/html")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                return

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}/callback"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
