"""The route table of the hosted pages, at the origin root, and their error pages."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bastion.domain.errors import NotFound, RateLimited
from bastion.faces._shared.http import BodyTooLarge
from bastion.oauth.errors import InvalidRequest
from bastion.ui.pages import consent, device, reset, signin, signup
from bastion.ui.web import CsrfRejected, page

FORM = ["GET", "POST"]
Handler = Callable[[Request], Awaitable[Response]]


def pages(handler: Handler) -> Handler:
    """The hosted pages' errors as pages: expired interactions, bad forms, rate limits."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except NotFound as exc:
            return error_page(404, exc.message)(request)
        except CsrfRejected:
            return error_page(403, EXPIRED_FORM)(request)
        except RateLimited as exc:
            return error_page(429, exc.message, {"retry-after": str(exc.retry_after)})(request)
        except BodyTooLarge:
            return error_page(413, "That form was too large to accept.")(request)
        except InvalidRequest:
            return error_page(400, "That form could not be read. Reload the page and try again.")(
                request
            )

    return guarded


ROUTES = [
    Route("/login/{interaction_id}", pages(signin.sign_in), methods=FORM, name="sign_in"),
    Route("/login/{interaction_id}/signup", pages(signup.sign_up), methods=FORM, name="sign_up"),
    Route(
        "/login/{interaction_id}/verify",
        pages(signup.verify),
        methods=["POST"],
        name="verify_email",
    ),
    Route("/login/{interaction_id}/reset", pages(reset.reset), methods=FORM, name="reset_password"),
    Route(
        "/login/{interaction_id}/reset/confirm",
        pages(reset.confirm),
        methods=["POST"],
        name="reset_password_confirm",
    ),
    Route("/login/{interaction_id}/consent", pages(consent.consent), methods=FORM, name="consent"),
    Route("/oidc/device", pages(device.device), methods=FORM, name="device"),
    Mount("/static", app=StaticFiles(directory=Path(__file__).with_name("static")), name="static"),
]
EXPIRED_FORM = (
    "This form expired or did not come from this site. Go back, reload the page and try again."
)


def error_page(
    status: int, message: str, headers: dict[str, str] | None = None
) -> Callable[[Request], Response]:
    def render(request: Request) -> Response:
        return page(
            request,
            "error.html",
            status=status,
            headers=headers,
            title="Something went wrong",
            message=message,
        )

    return render


async def csrf_rejected(request: Request, _exc: Exception) -> Response:
    return error_page(403, EXPIRED_FORM)(request)
