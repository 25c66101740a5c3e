"""`bastion config`: every setting, its current value (secrets masked) and what it does."""

from __future__ import annotations

import argparse
from typing import Any

from bastion.cli.common import load_settings


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "config", help="show the settings and their current values"
    )
    parser.set_defaults(run=run)


def run(_args: argparse.Namespace) -> int:
    for name, value, description in load_settings().describe():
        print(f"{name}={value}\n    {description}")
    return 0
