"""Authorization server metadata (RFC 8414 §2) and OpenID Provider metadata (OpenID Connect
Discovery 1.0 §3), listing exactly what this issuer supports."""

from __future__ import annotations

from typing import Any

from bastion.domain.claims import SUPPORTED_CLAIMS, SUPPORTED_SCOPES
from bastion.oauth import pkce, token_types
from bastion.oauth.models import IssuerContext

CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

# Endpoint paths relative to the issuer URL; every issuer uses the same layout.
PATHS = {
    "jwks_uri": "/jwks",
    "token_endpoint": "/token",
    "introspection_endpoint": "/token/introspection",
    "revocation_endpoint": "/token/revocation",
}
INTERACTIVE_PATHS = {
    "authorization_endpoint": "/auth",
    "userinfo_endpoint": "/me",
    "end_session_endpoint": "/session/end",
}
DEVICE_PATH = "/device/auth"


def metadata(ctx: IssuerContext, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"issuer": ctx.url}
    doc.update({name: ctx.url + path for name, path in PATHS.items()})
    public = bool(token_types.PUBLIC_GRANTS & ctx.grant_types)
    token_auth = [*CLIENT_AUTH_METHODS, "none"] if public else CLIENT_AUTH_METHODS
    doc.update(
        {
            "grant_types_supported": sorted(ctx.grant_types),
            "token_endpoint_auth_methods_supported": token_auth,
            "introspection_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": [*CLIENT_AUTH_METHODS, "none"],
            "scopes_supported": sorted(SUPPORTED_SCOPES),
        }
    )
    if token_types.GRANT_AUTHORIZATION_CODE in ctx.grant_types:
        doc.update(_interactive(ctx))
    if token_types.GRANT_DEVICE_CODE in ctx.grant_types:
        doc["device_authorization_endpoint"] = ctx.url + DEVICE_PATH
    if extra:
        doc.update(extra)
    return doc


def _interactive(ctx: IssuerContext) -> dict[str, Any]:
    doc: dict[str, Any] = {name: ctx.url + path for name, path in INTERACTIVE_PATHS.items()}
    doc.update(
        {
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "code_challenge_methods_supported": list(pkce.METHODS),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ctx.keys.signing_key.alg.value],
            "claims_supported": sorted(SUPPORTED_CLAIMS),
            "prompt_values_supported": ["none", "login", "consent"],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "authorization_response_iss_parameter_supported": True,
        }
    )
    return doc
