"""CORS for the endpoints a browser app calls directly (Fetch standard, CORS protocol).

Only credential-less requests are allowed: these endpoints authenticate by what the request
carries (a code and verifier, a refresh token, a bearer token), never by cookies, so any origin
may call them and no ``Access-Control-Allow-Credentials`` is ever sent.
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bastion.faces._shared.dispatch import route_path

ALLOW_ORIGIN = (b"access-control-allow-origin", b"*")
PREFLIGHT = [
    ALLOW_ORIGIN,
    (b"access-control-allow-methods", b"GET, POST"),
    (b"access-control-allow-headers", b"authorization, content-type"),
    (b"access-control-max-age", b"600"),
    (b"content-length", b"0"),
]
EXPOSE = (b"access-control-expose-headers", b"www-authenticate, retry-after")


def with_cors(app: ASGIApp, paths: Collection[str]) -> ASGIApp:
    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or route_path(scope) not in paths:
            await app(scope, receive, send)
            return
        if not any(name == b"origin" for name, _ in scope["headers"]):
            await app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": PREFLIGHT})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(name == ALLOW_ORIGIN[0] for name, _ in headers):
                    headers.append(ALLOW_ORIGIN)
                headers.append(EXPOSE)
                message["headers"] = headers
            await send(message)

        await app(scope, receive, send_with_cors)

    return serve
