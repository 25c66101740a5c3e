"""Sign a user in on a device that has no browser, e.g. a CLI (RFC 8628 device flow).

    pip install bastion-sdk
    python device_flow.py --issuer http://127.0.0.1:8080/demo --client-id app_... \
        [--scope "openid offline_access"] [--audience demo]

It prints where to go and the code to enter, then polls until the user approves on
another device (honouring the server's interval and slow_down). With --audience it also
verifies the access token locally and prints its subject. Ctrl+C stops waiting.
`bastion bootstrap` prints a public client of the demo app that may use this flow.
"""

from __future__ import annotations

import argparse
import sys

from bastion_sdk import AccessDenied, BastionError, Client, DeviceFlowExpired


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--scope", default="openid offline_access")
    parser.add_argument("--audience", default=None, help="verify the token for this audience")
    args = parser.parse_args()
    with Client(args.issuer, client_id=args.client_id) as oauth:
        try:
            authz = oauth.start_device_authorization(scope=args.scope)
            print(f"Go to {authz.verification_uri} and enter {authz.user_code}", flush=True)
            token = oauth.poll_device_token(authz)
            print(f"Signed in; scopes: {' '.join(sorted(token.scopes))}")
            if args.audience:
                claims = oauth.token_verifier(audience=args.audience).verify(token.access_token)
                print(f"Verified: subject {claims.subject}, expires at {claims.expires_at}")
        except DeviceFlowExpired:
            print("The code expired before anyone approved it; run again.", file=sys.stderr)
            return 1
        except AccessDenied:
            print("The request was denied.", file=sys.stderr)
            return 1
        except BastionError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
