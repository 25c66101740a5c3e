"""GET/POST /login/{interaction}/consent: allow or deny a client (or a device) access."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.domain.user_codes import display_user_code
from bastion.faces._shared.context import container_of
from bastion.ui.flow import follow, load
from bastion.ui.web import check_form, page

SCOPE_TEXT = {
    "openid": "Know who you are",
    "profile": "See your name and username",
    "email": "See your email address",
    "offline_access": "Stay signed in when you are away",
}


async def consent(request: Request) -> Response:
    view = await load(request)
    interactions = container_of(request).interactions
    session = await interactions.current_session(view)
    if request.method == "GET":
        user = await container_of(request).users.person(view.app.id, session.user_id)
        code = view.request.get("user_code")
        return page(
            request,
            "consent.html",
            purpose=f"consent/{view.id}",
            title=f"Allow {view.client.name or 'this application'}?",
            view=view,
            user=user,
            user_code=display_user_code(code) if code else None,
            scopes=[(s, SCOPE_TEXT.get(s, s)) for s in view.scopes],
        )
    fields = await check_form(request, f"consent/{view.id}")
    outcome = await interactions.decide(view, approve=fields.get("decision") == "allow")
    return follow(request, outcome)
