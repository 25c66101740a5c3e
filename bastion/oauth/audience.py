"""Which audiences a token may be issued for: resource indicators (RFC 8707 §2) and the
``audience`` parameter (RFC 8693 §2.1)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from bastion.oauth.errors import InvalidTarget
from bastion.oauth.models import Client, IssuerContext
from bastion.oauth.params import Params


def requested_audiences(params: Params) -> list[str]:
    """The audiences a request names, in order, without duplicates."""
    resources = params.get_all("resource")
    for resource in resources:
        parts = urlsplit(resource)
        if not parts.scheme or parts.fragment:
            raise InvalidTarget("resource must be an absolute URI without a fragment")
    seen: dict[str, None] = {}
    for value in [*resources, *params.get_all("audience")]:
        seen.setdefault(value, None)
    return list(seen)


def allowed_audiences(ctx: IssuerContext, *clients: Client) -> frozenset[str]:
    allowed = {ctx.url, ctx.default_audience}
    for client in clients:
        allowed.update(client.audiences)
    return frozenset(allowed)


def check_audiences(requested: Iterable[str], allowed: frozenset[str]) -> tuple[str, ...]:
    result = tuple(requested)
    for audience in result:
        if audience not in allowed:
            raise InvalidTarget(f"this client may not request tokens for '{audience[:200]}'")
    return result
