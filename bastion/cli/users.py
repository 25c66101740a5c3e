"""`bastion users create`: an end user of one app, made by an operator (for example the
accounts a load test signs in with). The password is read from standard input, never from the
command line, or generated and printed once."""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from typing import Any

from bastion.cli.common import with_app_container
from bastion.container import Container
from bastion.services.tenancy import get_app


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser("users", help="manage an app's users")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    create = verbs.add_parser("create", help="create an active user; prints it as JSON")
    create.add_argument("--app", required=True, help="the app's slug")
    create.add_argument("--username", required=True)
    create.add_argument("--email", help="taken as verified")
    create.add_argument("--name", help="display name")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (otherwise one is generated and printed)",
    )
    create.set_defaults(run=run_create)


def run_create(args: argparse.Namespace) -> int:
    generated = not args.password_stdin
    password = secrets.token_urlsafe(18) if generated else sys.stdin.readline().rstrip("\r\n")

    async def work(c: Container) -> dict[str, Any]:
        app = await c.users.app((await get_app(c.db, args.app)).id)
        user = await c.users.create_user(
            app, username=args.username, password=password, email=args.email, name=args.name
        )
        shown: dict[str, Any] = {
            "id": user.id,
            "username": user.username,
            "email": user.email,
            "email_verified": user.email_verified,
        }
        if generated:
            shown["password"] = password
        return shown

    print(json.dumps(with_app_container(work), indent=2))
    return 0
