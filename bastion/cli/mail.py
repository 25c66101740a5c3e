"""`bastion mail outbox`: read the mail kept when no SMTP server is configured."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bastion.cli.common import load_settings, with_container
from bastion.container import Container


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser("mail", help="read the mail outbox")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    outbox = verbs.add_parser("outbox", help="the newest messages first")
    outbox.add_argument("--limit", type=int, default=10)
    outbox.add_argument("--json", action="store_true", help="print one JSON array")
    outbox.set_defaults(run=run_outbox)


def run_outbox(args: argparse.Namespace) -> int:
    async def work(container: Container) -> list[dict[str, str]]:
        return await container.outbox.read(max(1, min(args.limit, 500)))

    messages = with_container(load_settings(), work)
    if args.json:
        print(json.dumps(messages, indent=2))
        return 0
    for message in messages:
        print(f"--- {message['created_at']}  to {message['to']}")
        print(f"Subject: {message['subject']}\n\n{message['body']}")
    if not messages:
        print("the outbox is empty")
    return 0
