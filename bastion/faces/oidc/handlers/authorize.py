"""GET/POST {issuer}/auth: the authorization endpoint. The engine validates, the interaction
service decides, and the browser is sent on: to the client, or to a hosted page. Requests
whose client or redirect URI cannot be trusted end on an error page, never in a redirect."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.faces._shared.context import container_of, issuer_of
from bastion.faces._shared.http import read_form
from bastion.oauth.errors import OAuthError
from bastion.oauth.params import Params
from bastion.ui.flow import follow
from bastion.ui.web import browser_of, page, session_secrets


async def authorize(request: Request) -> Response:
    container = container_of(request)
    try:
        if request.method == "POST":
            params = await read_form(request, container.settings.max_body_bytes)
        else:
            params = Params(request.query_params.multi_items())
        outcome = await container.interactions.authorize(
            issuer_of(request), params, browser_of(request), session_secrets(request)
        )
    except OAuthError as exc:
        return page(
            request,
            "error.html",
            status=400,
            title="This sign-in link is not valid",
            message=f"The application sent an invalid request ({exc.description or exc.error}). "
            "Go back to it and try again.",
        )
    return follow(request, outcome)
