"""`bastion apps create | list`: apps are issuers, each with its own key set and algorithm."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bastion.cli.common import CliError, load_settings, with_app_container
from bastion.container import Container
from bastion.crypto.keys import SigningAlg
from bastion.domain.tenancy import Tenant
from bastion.services.tenancy import AppInfo, app_info, new_app
from bastion.store.repositories import tenancy


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser("apps", help="manage apps (issuers)")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    create = verbs.add_parser("create", help="create an app with its own issuer and keys")
    create.add_argument("--workspace", required=True, help="the workspace's slug")
    create.add_argument("--slug", required=True, help="first path segment of the issuer URL")
    create.add_argument("--name", help="display name (default: the slug)")
    create.add_argument(
        "--alg",
        choices=[a.value for a in SigningAlg],
        help="signing algorithm of the app's keys (default: BASTION_DEFAULT_SIGNING_ALG)",
    )
    create.set_defaults(run=run_create)
    listing = verbs.add_parser("list", help="list a workspace's apps")
    listing.add_argument("--workspace", required=True)
    listing.set_defaults(run=run_list)


def _public(info: AppInfo, c: Container) -> dict[str, Any]:
    return {
        "app_id": info.id,
        "slug": info.slug,
        "name": info.name,
        "issuer": c.settings.app_issuer(info.slug),
    }


def run_create(args: argparse.Namespace) -> int:
    settings = load_settings()
    alg = SigningAlg(args.alg or settings.default_signing_alg.value)

    async def work(c: Container) -> dict[str, Any]:
        info = await new_app(
            c.db,
            c.keys,
            workspace_slug=args.workspace,
            slug=args.slug,
            name=args.name,
            signing_alg=alg,
        )
        return {**_public(info, c), "signing_alg": alg.value}

    print(json.dumps(with_app_container(work), indent=2))
    return 0


def run_list(args: argparse.Namespace) -> int:
    async def work(c: Container) -> list[dict[str, Any]]:
        async with c.db.read() as session:
            workspace = await tenancy.workspace_by_slug(session, args.workspace)
            if workspace is None:
                raise CliError(f"no workspace '{args.workspace}'")
            rows = await tenancy.apps_of(session, Tenant(workspace.id))
        return [_public(app_info(r), c) for r in rows]

    print(json.dumps(with_app_container(work), indent=2))
    return 0
