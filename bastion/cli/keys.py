"""`bastion keys rotate | list | new-master-key`."""

from __future__ import annotations

import argparse
from typing import Any

from bastion.cli.common import CliError, load_settings, with_container
from bastion.container import Container
from bastion.crypto.envelope import MasterKey
from bastion.services.keys import Rotation
from bastion.store.repositories import issuers
from bastion.store.types import utcnow


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser("keys", help="manage signing keys")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    rotate = verbs.add_parser(
        "rotate", help="next → active → retired for every issuer (or the one named)"
    )
    rotate.add_argument(
        "--issuer", metavar="SLUG", help="an app slug, or 'platform'; default: every issuer"
    )
    rotate.set_defaults(run=run_rotate)
    listing = verbs.add_parser("list", help="show each issuer's keys and their states")
    listing.set_defaults(run=run_list)
    master = verbs.add_parser(
        "new-master-key", help="print a new random value for BASTION_MASTER_KEY"
    )
    master.set_defaults(run=lambda _a: print(MasterKey.generate().to_text()) or 0)


def _label(kind: str, slug: str | None) -> str:
    return "platform" if kind == "platform" else str(slug)


async def _rotate(container: Container, only: str | None) -> list[tuple[str, Rotation]]:
    done = []
    async with container.db.write() as session:
        for issuer, app in await issuers.all_issuers(session):
            label = _label(issuer.kind, app.slug if app else None)
            if only is None or only == label:
                done.append((label, await container.keys.rotate(session, issuer, utcnow())))
    if only is not None and not done:
        raise CliError(f"no issuer named '{only}'")
    return done


def run_rotate(args: argparse.Namespace) -> int:
    for label, rotation in with_container(load_settings(), lambda c: _rotate(c, args.issuer)):
        print(
            f"{label}: active {rotation.activated}, next {rotation.next}"
            + (f", retired {rotation.retired}" if rotation.retired else "")
        )
    return 0


async def _list(container: Container) -> list[str]:
    lines = []
    async with container.db.read() as session:
        for issuer, app in await issuers.all_issuers(session):
            lines.append(_label(issuer.kind, app.slug if app else None))
            for key in await issuers.keys_of(session, issuer.id):
                until = (
                    f" (published until {key.publish_until:%Y-%m-%d %H:%M}Z)"
                    if key.publish_until
                    else ""
                )
                lines.append(f"  {key.kid}  {key.alg:5}  {key.state}{until}")
    return lines


def run_list(_args: argparse.Namespace) -> int:
    print("\n".join(with_container(load_settings(), _list)))
    return 0
