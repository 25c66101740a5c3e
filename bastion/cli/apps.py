"""`bastion apps create | list`."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bastion.cli.common import CliError, load_settings, with_container
from bastion.container import Container
from bastion.crypto.keys import SigningAlg
from bastion.domain.errors import DomainError
from bastion.services.tenancy import AppInfo, add_app, list_apps


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser("apps", help="manage apps (issuers)")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    create = verbs.add_parser("create", help="create an app with its own issuer and keys")
    create.add_argument("--workspace", required=True, help="the workspace's slug")
    create.add_argument("--slug", required=True, help="3-64 of a-z, 0-9 and '-'")
    create.add_argument("--name")
    create.add_argument(
        "--alg",
        choices=[a.value for a in SigningAlg],
        default=None,
        help="signing algorithm (default: BASTION_DEFAULT_SIGNING_ALG)",
    )
    create.set_defaults(run=run_create)
    listing = verbs.add_parser("list", help="list a workspace's apps")
    listing.add_argument("--workspace", required=True)
    listing.set_defaults(run=run_list)


def _public(app: AppInfo, container: Container) -> dict[str, Any]:
    return {
        "id": app.id,
        "slug": app.slug,
        "name": app.name,
        "issuer": container.settings.app_issuer(app.slug),
    }


def run_create(args: argparse.Namespace) -> int:
    settings = load_settings()
    alg = SigningAlg(args.alg or settings.default_signing_alg.value)

    async def work(c: Container) -> dict[str, Any]:
        app = await add_app(
            c.db,
            c.keys,
            workspace_slug=args.workspace,
            slug=args.slug,
            name=args.name,
            signing_alg=alg,
        )
        return {**_public(app, c), "signing_alg": alg.value}

    try:
        print(json.dumps(with_container(settings, work), indent=2))
    except DomainError as exc:
        raise CliError(exc.message) from None
    return 0


def run_list(args: argparse.Namespace) -> int:
    async def work(c: Container) -> list[dict[str, Any]]:
        return [_public(a, c) for a in await list_apps(c.db, args.workspace)]

    try:
        print(json.dumps(with_container(load_settings(), work), indent=2))
    except DomainError as exc:
        raise CliError(exc.message) from None
    return 0
