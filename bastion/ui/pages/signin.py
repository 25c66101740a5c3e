"""GET/POST /login/{interaction}: sign in with email or username and password."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.domain.errors import RateLimited, Unauthenticated
from bastion.faces._shared.context import container_of
from bastion.faces._shared.http import remote_addr
from bastion.services.end_users import EmailNotVerified
from bastion.services.interactions import InteractionView
from bastion.ui.flow import load, signed_in
from bastion.ui.web import check_form, page


def sign_in_form(
    request: Request,
    view: InteractionView,
    *,
    identifier: str = "",
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
    retry_after: int | None = None,
) -> Response:
    return page(
        request,
        "signin.html",
        status=status,
        purpose=f"signin/{view.id}",
        retry_after=retry_after,
        title=f"Sign in to {view.app.name}",
        view=view,
        identifier=identifier or view.login_hint or "",
        error=error,
        notice=notice,
    )


def verify_form(
    request: Request,
    view: InteractionView,
    email: str,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return page(
        request,
        "verify.html",
        status=status,
        purpose=f"verify/{view.id}",
        title="Confirm your email",
        view=view,
        email=email,
        error=error,
    )


async def sign_in(request: Request) -> Response:
    view = await load(request)
    if request.method == "GET":
        return sign_in_form(request, view)
    fields = await check_form(request, f"signin/{view.id}")
    identifier = fields.get("identifier", "").strip()
    users = container_of(request).users
    try:
        user = await users.sign_in(
            view.app, identifier, fields.get("password", ""), remote_addr(request)
        )
    except EmailNotVerified as exc:
        return verify_form(request, view, exc.user.email or identifier)
    except RateLimited as exc:
        return sign_in_form(
            request,
            view,
            identifier=identifier,
            error=exc.message,
            status=429,
            retry_after=exc.retry_after,
        )
    except Unauthenticated as exc:
        return sign_in_form(request, view, identifier=identifier, error=exc.message, status=401)
    return await signed_in(request, view, user)
