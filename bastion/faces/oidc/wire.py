"""Per-mount wire options of the standard face (see QUIRKS.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FaceOptions:
    # RFC 6749 §5.2 wants `WWW-Authenticate` on a 401 when the client used HTTP Basic, but
    # oauth4webapi (and so @pymthouse/builder-sdk) then loses the OAuth error code.
    www_authenticate_on_invalid_client: bool


STANDARD = FaceOptions(www_authenticate_on_invalid_client=True)
BUILDER = FaceOptions(www_authenticate_on_invalid_client=False)


# Endpoints a browser app (a public client) calls itself; introspection is for servers only.
BROWSER_PATHS = frozenset(
    {
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
        "/jwks",
        "/token",
        "/token/revocation",
        "/me",
        "/device/auth",
    }
)
