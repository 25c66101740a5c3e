"""Turning the interaction service's outcomes into browser responses, and finishing a sign-in
(new session, its cookie, then the next step)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.faces._shared.context import container_of
from bastion.faces._shared.http import remote_addr
from bastion.services.end_users import UserInfo
from bastion.services.interactions import InteractionView, Outcome, Step
from bastion.ui.web import browser_of, page, redirect, session_cookie_name, set_cookie

SIGN_IN_PATH = "/login/{}"
CONSENT_PATH = "/login/{}/consent"


def follow(request: Request, outcome: Outcome) -> Response:
    if outcome.step is Step.DONE:
        if outcome.redirect is not None:
            return redirect(request, outcome.redirect, browser=outcome.browser_secret)
        return page(request, "device_done.html", title="Device connected")
    path = SIGN_IN_PATH if outcome.step is Step.SIGN_IN else CONSENT_PATH
    return redirect(request, path.format(outcome.interaction_id), browser=outcome.browser_secret)


async def load(request: Request) -> InteractionView:
    interaction_id = str(request.path_params["interaction_id"])
    return await container_of(request).interactions.load(interaction_id, browser_of(request))


async def signed_in(request: Request, view: InteractionView, user: UserInfo) -> Response:
    container = container_of(request)
    session, secret = await container.sessions.create(
        view.app.tenant,
        user.id,
        amr=("pwd",),
        ip=remote_addr(request),
        user_agent=request.headers.get("user-agent"),
    )
    response = follow(request, await container.interactions.signed_in(view, session))
    set_cookie(
        response,
        request,
        session_cookie_name(view.app.id),
        secret,
        container.settings.session_ttl,
    )
    return response
