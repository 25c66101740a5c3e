"""`bastion migrate`: bring the database schema up to date (safe to run repeatedly)."""

from __future__ import annotations

import argparse
from typing import Any

from bastion.cli.common import load_settings
from bastion.store import migrate


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "migrate", help="create or upgrade the database schema"
    )
    parser.set_defaults(run=run)


def run(_args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    migrate.upgrade(settings.effective_database_url)
    print(f"database schema is at {migrate.head_revision()}")
    return 0
