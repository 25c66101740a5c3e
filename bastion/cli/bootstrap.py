"""`bastion bootstrap`: create the platform issuer and, in demo mode, a demo workspace, app and
machine client. Idempotent."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bastion.cli.common import load_settings, with_container


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "bootstrap", help="create the platform issuer and the demo workspace (idempotent)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    result = with_container(settings, lambda c: c.bootstrap())
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    print(f"Platform issuer: {result.platform_issuer}")
    if result.issuer:
        print(f"Demo app issuer: {result.issuer}")
        print(f"  discovery:     {result.issuer}/.well-known/openid-configuration")
        print(f"Machine client:  {result.m2m_client_id}")
        if result.m2m_client_secret:
            print(f"  secret:        {result.m2m_client_secret}")
        print("Try it:")
        print(
            f"  curl -s -u '{result.m2m_client_id}:{result.m2m_client_secret or '<secret>'}' "
            f"-d grant_type=client_credentials {result.issuer}/token"
        )
    return 0
