"""Get a client-credentials token from Bastion, and call an API with a TokenSource.

    pip install bastion-sdk
    python client_credentials.py --issuer http://127.0.0.1:8080/demo \
        --client-id m2m_... --client-secret bas_cs_... [--scope users:read] \
        [--call http://127.0.0.1:9000/whoami]

Without --call it prints the access token (for curl); with --call it sends one GET
through httpx with the token source as auth, which refreshes ahead of expiry and
retries once on a 401.
"""

from __future__ import annotations

import argparse
import sys

import httpx

from bastion_sdk import BastionError, Client, ClientCredentials


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--scope", default=None)
    parser.add_argument("--call", default=None, help="a URL to GET with the token")
    args = parser.parse_args()
    with Client(args.issuer, client_id=args.client_id, client_secret=args.client_secret) as oauth:
        try:
            source = oauth.token_source(ClientCredentials(scope=args.scope))
            if args.call is None:
                print(source.token().access_token)
                return 0
            with httpx.Client(auth=source) as http:
                response = http.get(args.call)
                print(response.status_code, response.text)
                return 0 if response.is_success else 1
        except BastionError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    sys.exit(main())
