"""The route table of the standard face, relative to an issuer URL."""

from __future__ import annotations

from starlette.routing import Route

from bastion.faces.oidc.handlers import (
    authorize,
    device_authorization,
    discovery,
    end_session,
    jwks,
    token,
    userinfo,
)

BOTH = ["GET", "POST"]

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
    Route("/auth", authorize.authorize, methods=BOTH, name="authorization"),
    Route(
        "/device/auth",
        device_authorization.device_authorization,
        methods=["POST"],
        name="device_authorization",
    ),
    Route("/me", userinfo.userinfo, methods=BOTH, name="userinfo"),
    Route("/session/end", end_session.end_session, methods=BOTH, name="end_session"),
]
