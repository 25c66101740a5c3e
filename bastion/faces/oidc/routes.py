"""The route table of the standard face, relative to an issuer URL."""

from __future__ import annotations

from starlette.routing import Route

from bastion.faces.oidc.handlers import discovery, jwks, token

ROUTES = [
    Route(
        "/.well-known/openid-configuration",
        discovery.openid_configuration,
        methods=["GET"],
        name="openid_configuration",
    ),
    Route(
        "/.well-known/oauth-authorization-server",
        discovery.oauth_authorization_server,
        methods=["GET"],
        name="oauth_authorization_server",
    ),
    Route("/jwks", jwks.jwks, methods=["GET"], name="jwks"),
    Route("/token", token.token, methods=["POST"], name="token"),
    Route("/token/introspection", token.introspect, methods=["POST"], name="introspection"),
    Route("/token/revocation", token.revoke, methods=["POST"], name="revocation"),
]
