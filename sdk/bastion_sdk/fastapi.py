"""FastAPI integration (install `bastion-sdk[fastapi]`).

```python
from typing import Annotated
from fastapi import Depends, FastAPI, Security
from bastion_sdk import AccessTokenClaims, AsyncTokenVerifier
from bastion_sdk.fastapi import require_token

verifier = AsyncTokenVerifier("https://id.example.com/acme", audience="https://api.example.com")
auth = require_token(verifier)
app = FastAPI()

@app.get("/me")
async def me(claims: Annotated[AccessTokenClaims, Depends(auth)]) -> dict[str, str | None]:
    return {"sub": claims.subject}

@app.delete("/items/{item_id}")
async def delete(claims: Annotated[AccessTokenClaims, Security(auth, scopes=["items:write"])]):
    ...
```

Scopes given to `Security(...)` add to the ones given to `require_token(...)`. The
dependency answers 401 (missing or invalid token), 403 (insufficient scope) or 503
(keys unavailable) with the RFC 6750 `WWW-Authenticate` challenge, and registers a
bearer security scheme in the OpenAPI document.
"""

from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

from ._asgi import Rejection, check_bearer
from ._models import AccessTokenClaims
from ._verify import AsyncTokenVerifier

__all__ = ["require_token"]


def require_token(
    verifier: AsyncTokenVerifier,
    *,
    scopes: Iterable[str] = (),
    realm: str | None = None,
    scheme_name: str = "BastionBearer",
) -> Callable[..., Awaitable[AccessTokenClaims]]:
    """A dependency returning the verified claims of the request's bearer token."""
    fixed = frozenset(scopes)
    bearer = HTTPBearer(
        auto_error=False,
        scheme_name=scheme_name,
        bearerFormat="JWT",
        description="An access token issued by Bastion",
    )

    async def dependency(
        security_scopes: SecurityScopes,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> AccessTokenClaims:
        header = None if credentials is None else f"Bearer {credentials.credentials}"
        needed = fixed | frozenset(security_scopes.scopes)
        outcome = await check_bearer(verifier, header, needed, realm=realm)
        if isinstance(outcome, Rejection):
            raise HTTPException(
                status_code=outcome.status,
                detail={"error": outcome.error, "error_description": outcome.description},
                headers=outcome.headers,
            )
        return outcome

    return dependency
