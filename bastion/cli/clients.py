"""`bastion clients create | list | rotate-secret` for one app."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bastion.cli.common import with_app_container
from bastion.container import Container
from bastion.services.clients import ClientInfo, ClientSpec
from bastion.services.tenancy import get_app


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser("clients", help="manage OAuth clients")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    create = verbs.add_parser("create", help="register a client; prints its secret once")
    create.add_argument("--app", required=True, help="the app's slug")
    create.add_argument("--name", required=True)
    create.add_argument("--public", action="store_true", help="a public client (no secret)")
    create.add_argument("--grant", action="append", default=[], help="grant type (repeatable)")
    create.add_argument("--scope", action="append", default=[], help="allowed scope (repeatable)")
    create.add_argument("--default-scope", action="append", help="scope granted when none asked")
    create.add_argument("--audience", action="append", default=[], help="allowed audience")
    create.add_argument("--redirect-uri", action="append", default=[])
    create.set_defaults(run=run_create)
    listing = verbs.add_parser("list", help="list an app's clients")
    listing.add_argument("--app", required=True)
    listing.set_defaults(run=run_list)
    rotate = verbs.add_parser("rotate-secret", help="replace a client's secret; prints it once")
    rotate.add_argument("--app", required=True)
    rotate.add_argument("client_id")
    rotate.set_defaults(run=run_rotate)


def _public(info: ClientInfo) -> dict[str, Any]:
    return {
        "client_id": info.client_id,
        "name": info.name,
        "type": "confidential" if info.confidential else "public",
        "grant_types": list(info.grant_types),
        "scopes": list(info.scopes),
        "redirect_uris": list(info.redirect_uris),
    }


def run_create(args: argparse.Namespace) -> int:
    spec = ClientSpec(
        name=args.name,
        confidential=not args.public,
        grant_types=tuple(args.grant or ["client_credentials"]),
        scopes=tuple(args.scope),
        default_scopes=tuple(args.default_scope) if args.default_scope is not None else None,
        audiences=tuple(args.audience),
        redirect_uris=tuple(args.redirect_uri),
    )

    async def work(c: Container) -> dict[str, Any]:
        app = await get_app(c.db, args.app)
        info, secret = await c.client_admin.create(app.tenant, spec)
        return {**_public(info), "client_secret": secret}

    print(json.dumps(with_app_container(work), indent=2))
    return 0


def run_list(args: argparse.Namespace) -> int:
    async def work(c: Container) -> list[dict[str, Any]]:
        app = await get_app(c.db, args.app)
        return [_public(i) for i in await c.client_admin.list(app.tenant)]

    print(json.dumps(with_app_container(work), indent=2))
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    async def work(c: Container) -> dict[str, Any]:
        app = await get_app(c.db, args.app)
        secret = await c.client_admin.rotate_secret(app.tenant, args.client_id)
        return {"client_id": args.client_id, "client_secret": secret}

    print(json.dumps(with_app_container(work), indent=2))
    return 0
