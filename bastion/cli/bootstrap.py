"""`bastion bootstrap`: create the platform issuer and, in demo mode, a demo workspace, app and
machine client. Idempotent."""

from __future__ import annotations

import argparse
import json
from typing import Any
from urllib.parse import urlencode

from bastion.cli.common import load_settings, with_container

# RFC 7636 Appendix B's example challenge (verifier dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk).
EXAMPLE_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


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
        print(f"Public client:   {result.public_client_id} (code + PKCE, refresh, device)")
        print(f"  redirect URI:  {result.redirect_uri}")
        print(f"Demo end user:   {result.demo_user} / {result.demo_password}")
        print("Sign in as the demo user (the browser ends at the redirect URI with a code):")
        query = urlencode(
            {
                "response_type": "code",
                "client_id": result.public_client_id,
                "redirect_uri": result.redirect_uri,
                "scope": "openid profile email",
                "code_challenge": EXAMPLE_CHALLENGE,
                "code_challenge_method": "S256",
            }
        )
        print(f"  {result.issuer}/auth?{query}")
    return 0
