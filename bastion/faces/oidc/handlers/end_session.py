"""GET/POST {issuer}/session/end: RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).

With an ``id_token_hint`` naming the browser's current session, the person is signed out at
once; otherwise Bastion asks first (a form with a CSRF token posting back here), so another
site cannot sign people out by linking here. Afterwards the browser goes to the registered
``post_logout_redirect_uri`` (with ``state``) or to Bastion's signed-out page.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.faces._shared.context import container_of, issuer_of
from bastion.faces._shared.http import read_urlencoded
from bastion.oauth.endpoints.end_session import validate_logout_request
from bastion.oauth.errors import OAuthError
from bastion.oauth.params import Params
from bastion.ui.web import check_form, page, redirect, session_cookie_name

PURPOSE = "signout"
CARRIED = ("id_token_hint", "post_logout_redirect_uri", "state", "client_id")


async def end_session(request: Request) -> Response:
    container = container_of(request)
    ctx = issuer_of(request)
    if request.method == "POST":
        fields = await read_urlencoded(request, container.settings.max_body_bytes, max_fields=20)
    else:
        fields = list(request.query_params.multi_items())
    confirmed = request.method == "POST" and dict(fields).get("confirm") == "yes"
    if confirmed:
        await check_form(request, PURPOSE)
    try:
        params = Params((k, v) for k, v in fields if k in CARRIED)
        logout = await validate_logout_request(params, ctx, container.engine)
    except OAuthError as exc:
        return page(
            request,
            "error.html",
            status=400,
            title="Cannot sign out here",
            message=exc.description or exc.error,
        )
    app_id = logout.client.realm if logout.client else ctx.realm
    cookie = session_cookie_name(app_id) if app_id else None
    session = (
        await container.sessions.from_cookie(app_id, request.cookies.get(cookie or ""))
        if app_id
        else None
    )
    if session is not None and not confirmed and logout.hint_session != session.id:
        app = await container.users.app(session.tenant.app_id or "")
        return page(
            request,
            "signout.html",
            purpose=PURPOSE,
            title="Sign out",
            app_name=app.name,
            action=request.url.path,
            carried=[(k, v) for k, v in params_items(params)],
        )
    if session is not None:
        await container.sessions.end(session)
    if logout.redirect_to is not None:
        response = redirect(request, logout.redirect_to)
    else:
        response = page(request, "signed_out.html", title="Signed out")
    if cookie is not None:
        response.delete_cookie(cookie, path="/")
    return response


def params_items(params: Params) -> list[tuple[str, str]]:
    return [(k, v) for k in CARRIED for v in params.get_all(k)]
