"""What every hosted page shares: templates, security headers, cookies and CSRF tokens.

Cookies are HttpOnly and SameSite=Lax (the authorization redirect from a client is a top-level
GET that must carry the session), and Secure whenever Bastion is reached over HTTPS. Each app
has its own session cookie. Every form carries a CSRF token derived from the browser cookie
and the form's purpose (a keyed hash), and a POST from another origin is refused outright.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bastion.crypto.encoding import b64url_encode
from bastion.crypto.secrets import constant_time_equals, new_opaque_token
from bastion.domain.credentials import PREFIXES, CredentialKind
from bastion.faces._shared.context import container_of
from bastion.faces._shared.http import read_urlencoded

BROWSER_COOKIE = "bastion_browser"
BROWSER_MAX_AGE = 30 * 86400
HEADERS = {
    "cache-control": "no-store",
    "pragma": "no-cache",
    "content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}

templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


class CsrfRejected(Exception):
    """The form was not posted by a page Bastion served to this browser."""


def session_cookie_name(app_id: str) -> str:
    return "bastion_session_" + app_id.replace("-", "")


def browser_of(request: Request) -> str | None:
    value = request.cookies.get(BROWSER_COOKIE)
    return value if value and len(value) <= 128 else None


def session_secrets(request: Request) -> Callable[[str], str | None]:
    """Each app's session cookie in this request, looked up by app id."""
    return lambda app_id: request.cookies.get(session_cookie_name(app_id))


def csrf_token(request: Request, browser: str, purpose: str) -> str:
    hasher = container_of(request).hasher
    return b64url_encode(hasher.digest(f"csrf/{purpose}/{browser}"))


async def check_form(request: Request, purpose: str) -> dict[str, str]:
    """The posted form, once its origin and CSRF token are checked."""
    settings = container_of(request).settings
    origin = request.headers.get("origin")
    if origin is not None and origin != settings.public_url:
        raise CsrfRejected("cross-origin form post")
    fields = await read_fields(request)
    browser = browser_of(request)
    sent = fields.get("csrf", "")
    if browser is None or not constant_time_equals(sent, csrf_token(request, browser, purpose)):
        raise CsrfRejected("missing or wrong CSRF token")
    return fields


async def read_fields(request: Request) -> dict[str, str]:
    """A posted page form (first value of each field), within the body size limit."""
    limit = container_of(request).settings.max_body_bytes
    fields: dict[str, str] = {}
    for name, value in await read_urlencoded(request, limit, max_fields=30):
        fields.setdefault(name, value)
    return fields


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=container_of(request).settings.secure_cookies,
    )


def page(
    request: Request,
    template: str,
    *,
    status: int = 200,
    purpose: str | None = None,
    headers: dict[str, str] | None = None,
    retry_after: int | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render a page; with ``purpose``, its form gets a CSRF token (and the browser a cookie);
    with ``retry_after``, a 429 tells when to try again."""
    browser = browser_of(request)
    new_browser = None
    if purpose is not None and browser is None:
        browser = new_browser = new_opaque_token(PREFIXES[CredentialKind.BROWSER_ID])
    if purpose is not None and browser is not None:
        context["csrf"] = csrf_token(request, browser, purpose)
    body = templates.get_template(template).render(**context)
    extra = dict(headers or {})
    if retry_after:
        extra["retry-after"] = str(retry_after)
    response = HTMLResponse(body, status_code=status, headers={**HEADERS, **extra})
    if new_browser is not None:
        set_cookie(response, request, BROWSER_COOKIE, new_browser, BROWSER_MAX_AGE)
    return response


def redirect(
    request: Request, url: str, *, browser: str | None = None, status: int = 303
) -> Response:
    response = RedirectResponse(url, status_code=status, headers=HEADERS)
    if browser is not None:
        set_cookie(response, request, BROWSER_COOKIE, browser, BROWSER_MAX_AGE)
    return response
