"""Small HTTP helpers for the integration tests (plain httpx, no Bastion code)."""

from __future__ import annotations

from typing import Any

import httpx
import jwt as pyjwt


def discovery(issuer: str) -> dict[str, Any]:
    response = httpx.get(f"{issuer}/.well-known/openid-configuration")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def post_token(
    issuer: str, auth: tuple[str, str] | None = None, **form: str | list[str]
) -> httpx.Response:
    return httpx.post(f"{issuer}/token", data=form, auth=auth)


def client_credentials_token(issuer: str, auth: tuple[str, str], **form: str) -> dict[str, Any]:
    response = post_token(issuer, auth, grant_type="client_credentials", **form)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def verify_with_pyjwt(token: str, issuer: str, audience: str | None = None) -> dict[str, Any]:
    """Verify with PyJWT against the published JWKS: an independent implementation."""
    header = pyjwt.get_unverified_header(token)
    jwks = httpx.get(discovery(issuer)["jwks_uri"]).json()
    key = pyjwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    claims: dict[str, Any] = pyjwt.decode(
        token,
        key=key.key,
        algorithms=[header["alg"]],
        issuer=issuer,
        audience=audience,
        options={"verify_aud": audience is not None, "require": ["exp", "iat", "iss", "sub"]},
    )
    return claims
