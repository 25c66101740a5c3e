"""A FastAPI API that accepts only valid Bastion access tokens.

    pip install 'bastion-sdk[fastapi]' uvicorn
    python fastapi_resource_server.py --issuer http://127.0.0.1:8080/demo --audience demo

Then call it with a token (see client_credentials.py):

    curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:9000/whoami
    curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:9000/admin   # needs scope "admin"

No token or a bad one gives 401 with a WWW-Authenticate challenge, a missing scope
403, and unreachable signing keys 503.
"""

import argparse
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Security

from bastion_sdk import AccessTokenClaims, AsyncTokenVerifier
from bastion_sdk.fastapi import require_token


def create_app(verifier: AsyncTokenVerifier) -> FastAPI:
    auth = require_token(verifier)
    app = FastAPI(title="Example resource server")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/whoami")
    async def whoami(claims: Annotated[AccessTokenClaims, Depends(auth)]) -> dict[str, Any]:
        return {
            "sub": claims.subject,
            "client_id": claims.client_id,
            "scopes": sorted(claims.scopes),
        }

    @app.get("/admin")
    async def admin(
        claims: Annotated[AccessTokenClaims, Security(auth, scopes=["admin"])],
    ) -> dict[str, str | None]:
        return {"welcome": claims.subject}

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", required=True, help="the Bastion issuer URL")
    parser.add_argument("--audience", required=True, help="this API's audience value")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    verifier = AsyncTokenVerifier(args.issuer, audience=args.audience)
    uvicorn.run(create_app(verifier), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
