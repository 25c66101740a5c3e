"""GET/POST /login/{interaction}/signup, then POST …/verify with the mailed code."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.domain.errors import RateLimited, Unauthenticated, ValidationFailed
from bastion.faces._shared.context import container_of
from bastion.faces._shared.http import remote_addr
from bastion.services.interactions import InteractionView
from bastion.ui.flow import load, signed_in
from bastion.ui.pages.signin import verify_form
from bastion.ui.web import check_form, page


def sign_up_form(
    request: Request,
    view: InteractionView,
    *,
    fields: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
    retry_after: int | None = None,
) -> Response:
    users = container_of(request).users
    return page(
        request,
        "signup.html",
        status=status,
        purpose=f"signup/{view.id}",
        retry_after=retry_after,
        title=f"Create your {view.app.name} account",
        view=view,
        fields=fields or {},
        min_length=users.policy(view.app).min_length,
        error=error,
    )


async def sign_up(request: Request) -> Response:
    view = await load(request)
    if request.method == "GET":
        return sign_up_form(request, view)
    fields = await check_form(request, f"signup/{view.id}")
    kept = {k: fields.get(k, "").strip() for k in ("email", "username", "name")}
    try:
        email = await container_of(request).users.sign_up(
            view.app,
            email=kept["email"],
            password=fields.get("password", ""),
            username=kept["username"] or None,
            display_name=kept["name"] or None,
            ip=remote_addr(request),
        )
    except RateLimited as exc:
        return sign_up_form(
            request, view, fields=kept, error=exc.message, status=429, retry_after=exc.retry_after
        )
    except ValidationFailed as exc:
        return sign_up_form(request, view, fields=kept, error=exc.message, status=400)
    return verify_form(request, view, email)


async def verify(request: Request) -> Response:
    view = await load(request)
    fields = await check_form(request, f"verify/{view.id}")
    email = fields.get("email", "")
    try:
        user = await container_of(request).recovery.verify_email(
            view.app, email, fields.get("code", ""), remote_addr(request)
        )
    except RateLimited as exc:
        return verify_form(request, view, email, error=exc.message, status=429)
    except Unauthenticated as exc:
        return verify_form(request, view, email, error=exc.message, status=401)
    return await signed_in(request, view, user)
