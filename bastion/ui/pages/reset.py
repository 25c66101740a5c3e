"""GET/POST /login/{interaction}/reset (ask for a code), POST …/reset/confirm (new password)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.domain.errors import RateLimited, Unauthenticated, ValidationFailed
from bastion.faces._shared.context import container_of
from bastion.faces._shared.http import remote_addr
from bastion.services.interactions import InteractionView
from bastion.ui.flow import load
from bastion.ui.pages.signin import sign_in_form
from bastion.ui.web import check_form, page


def _confirm_form(
    request: Request,
    view: InteractionView,
    identifier: str,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return page(
        request,
        "reset_confirm.html",
        status=status,
        purpose=f"reset-confirm/{view.id}",
        title="Choose a new password",
        view=view,
        identifier=identifier,
        min_length=container_of(request).users.policy(view.app).min_length,
        error=error,
    )


async def reset(request: Request) -> Response:
    view = await load(request)
    if request.method == "GET":
        return page(
            request,
            "reset.html",
            purpose=f"reset/{view.id}",
            title="Reset your password",
            view=view,
        )
    fields = await check_form(request, f"reset/{view.id}")
    identifier = fields.get("identifier", "").strip()
    try:
        await container_of(request).recovery.request_reset(
            view.app, identifier, remote_addr(request)
        )
    except RateLimited as exc:
        return page(
            request,
            "reset.html",
            status=429,
            purpose=f"reset/{view.id}",
            retry_after=exc.retry_after,
            title="Reset your password",
            view=view,
            error=exc.message,
        )
    return _confirm_form(request, view, identifier)


async def confirm(request: Request) -> Response:
    view = await load(request)
    fields = await check_form(request, f"reset-confirm/{view.id}")
    identifier = fields.get("identifier", "")
    try:
        await container_of(request).recovery.reset_password(
            view.app,
            identifier,
            fields.get("code", ""),
            fields.get("password", ""),
            remote_addr(request),
        )
    except (ValidationFailed, Unauthenticated, RateLimited) as exc:
        status = 429 if isinstance(exc, RateLimited) else 400
        return _confirm_form(request, view, identifier, error=exc.message, status=status)
    return sign_in_form(
        request,
        view,
        identifier=identifier,
        notice="Your password was changed and you were signed out everywhere. Sign in again.",
    )
