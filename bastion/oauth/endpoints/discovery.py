"""Authorization server metadata (RFC 8414 §2) and OpenID Provider metadata (OpenID Connect
Discovery 1.0 §3), listing exactly what this issuer supports."""

from __future__ import annotations

from typing import Any

from bastion.oauth.models import IssuerContext

CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

# Endpoint paths relative to the issuer URL; every issuer uses the same layout.
PATHS = {
    "jwks_uri": "/jwks",
    "token_endpoint": "/token",
    "introspection_endpoint": "/token/introspection",
    "revocation_endpoint": "/token/revocation",
}


def metadata(ctx: IssuerContext, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"issuer": ctx.url}
    doc.update({name: ctx.url + path for name, path in PATHS.items()})
    doc.update(
        {
            "grant_types_supported": sorted(ctx.grant_types),
            "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
            "introspection_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": [*CLIENT_AUTH_METHODS, "none"],
        }
    )
    if extra:
        doc.update(extra)
    return doc
