"""A browser's authorization code flow, for the scenarios that need end-user tokens.

It follows redirects and fills in whatever HTML forms the server shows on the way (sign-in,
consent) the way a person would: the user name into the text field named like one, the password
into the password field, hidden fields as they are, and the first "allow"-like button. So the
same code drives Bastion's hosted pages and the peer's minimal bench login, without knowing
either page's field names in advance.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx

from bench.servers import USER_NAME, Server

REDIRECT_URI = "http://127.0.0.1/cb"
USER_FIELDS = ("identifier", "username", "email", "login", "user")
ALLOW = ("allow", "accept", "yes", "continue", "approve")
MAX_STEPS = 12


class FlowError(RuntimeError):
    pass


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {
                    "action": a.get("action", ""),
                    "method": a.get("method", "get"),
                    "fields": [],
                    "buttons": [],
                }
            )
        elif self.forms and tag in ("input", "button") and a.get("name"):
            kind = a.get("type", "text" if tag == "input" else "submit").lower()
            target = "buttons" if kind == "submit" else "fields"
            self.forms[-1][target].append((a["name"], kind, a.get("value", "")))


def fill(html: str, user: str, password: str) -> tuple[str, str, dict[str, str]]:
    """(method, action, data) for the first form on the page, filled in."""
    parser = _Forms()
    parser.feed(html)
    if not parser.forms:
        raise FlowError("the page has no form")
    form = parser.forms[0]
    data: dict[str, str] = {}
    for name, kind, value in form["fields"]:
        if kind == "password":
            data[name] = password
        elif kind in ("text", "email") and name.lower() in USER_FIELDS:
            data[name] = user
        elif kind in ("hidden", "text", "email"):
            data[name] = value
    buttons = form["buttons"]
    chosen = next((b for b in buttons if b[2].lower() in ALLOW), buttons[0] if buttons else None)
    if chosen is not None:
        data[chosen[0]] = chosen[2]
    return str(form["method"]).upper(), str(form["action"]), data


def authorization_code_tokens(
    client: httpx.Client, meta: dict[str, Any], server: Server, *, scope: str
) -> dict[str, Any]:
    """Run one authorization code flow with PKCE; returns the token response."""
    issuer = server.rs256
    assert issuer is not None
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    query = {
        "client_id": issuer.client.client_id,
        "response_type": "code",
        "scope": scope,
        "redirect_uri": REDIRECT_URI,
        "state": secrets.token_urlsafe(8),
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
        "prompt": "consent",
        "resource": issuer.resource,
    }
    url = f"{meta['authorization_endpoint']}?{urlencode(query)}"
    response = client.get(url)
    for _ in range(MAX_STEPS):
        if response.is_redirect:
            location = urljoin(str(response.url), response.headers["location"])
            if location.startswith(REDIRECT_URI):
                params = parse_qs(urlsplit(location).query)
                if "code" not in params:
                    raise FlowError(f"authorization refused: {params}")
                return _redeem(client, meta, server, params["code"][0], verifier)
            response = client.get(location)
        elif response.status_code == 200 and "<form" in response.text:
            method, action, data = fill(response.text, USER_NAME, server.user_password)
            target = urljoin(str(response.url), action or str(response.url))
            response = (
                client.post(target, data=data)
                if method == "POST"
                else client.get(target, params=data)
            )
        else:
            raise FlowError(f"unexpected answer {response.status_code} at {response.url}")
    raise FlowError("the flow did not reach the redirect URI")


def _redeem(
    client: httpx.Client, meta: dict[str, Any], server: Server, code: str, verifier: str
) -> dict[str, Any]:
    issuer = server.rs256
    assert issuer is not None
    response = client.post(
        meta["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=(issuer.client.client_id, issuer.client.client_secret),
    )
    if response.status_code != 200:
        raise FlowError(f"code redemption refused: {response.status_code} {response.text}")
    body: dict[str, Any] = response.json()
    return body


def refresh_tokens(server: Server, meta: dict[str, Any], *, count: int) -> list[str]:
    """``count`` refresh tokens, each from its own flow and client connection (a connection
    stays with one worker, which matters to servers that keep tokens per process). The
    browser's cookies carry over from one flow to the next, as for a person who stays signed
    in, so the password is asked again only where the session is not known."""
    tokens = []
    cookies = httpx.Cookies()
    for _ in range(count):
        with httpx.Client(timeout=30, follow_redirects=False, cookies=cookies) as client:
            body = authorization_code_tokens(
                client, meta, server, scope="openid offline_access api"
            )
            cookies = client.cookies
        if "refresh_token" not in body:
            raise FlowError(f"no refresh token in {sorted(body)}")
        tokens.append(str(body["refresh_token"]))
    return tokens
