"""GET/POST /oidc/device: where people type a device's user code (RFC 8628 §3.3), at the
origin root as the builder contract requires."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.domain.errors import NotFound, RateLimited
from bastion.domain.user_codes import normalise_user_code
from bastion.faces._shared.context import container_of
from bastion.faces._shared.http import remote_addr
from bastion.ui.flow import follow
from bastion.ui.web import browser_of, check_form, page, session_secrets

PURPOSE = "device"


def _form(
    request: Request,
    code: str,
    *,
    error: str | None = None,
    status: int = 200,
    retry_after: int | None = None,
) -> Response:
    return page(
        request,
        "device.html",
        status=status,
        purpose=PURPOSE,
        retry_after=retry_after,
        title="Connect a device",
        user_code=code,
        error=error,
    )


async def device(request: Request) -> Response:
    if request.method == "GET":
        return _form(request, request.query_params.get("user_code", "")[:32])
    fields = await check_form(request, PURPOSE)
    typed = fields.get("user_code", "")[:64]
    code = normalise_user_code(typed)
    try:
        outcome = await container_of(request).interactions.start_device(
            code, browser_of(request), session_secrets(request), remote_addr(request)
        )
    except RateLimited as exc:
        return _form(request, typed, error=exc.message, status=429, retry_after=exc.retry_after)
    except NotFound as exc:
        return _form(request, typed, error=exc.message, status=400)
    return follow(request, outcome)
