"""`bastion` command line: verb-noun commands that call the same services as every face."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bastion.cli import apps, bootstrap, clients, config, keys, mail, migrate, serve, users
from bastion.cli.common import CliError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bastion",
        description="Bastion identity server. Configuration comes from BASTION_* variables; "
        "`bastion config` lists them.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (serve, migrate, bootstrap, apps, keys, clients, users, mail, config):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.run(args)
    except CliError as exc:
        print(f"bastion: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
