"""Liveness, readiness and metrics endpoints."""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import Response

from bastion.faces._shared.context import container_of
from bastion.faces._shared.http import json_response
from bastion.ops import metrics as metric_registry

log = logging.getLogger("bastion.health")
NO_CACHE = {"cache-control": "no-store"}


async def healthz(_request: Request) -> Response:
    return json_response({"status": "ok"}, headers=NO_CACHE)


async def readyz(request: Request) -> Response:
    container = container_of(request)
    try:
        await asyncio.wait_for(container.db.ping(), timeout=2.0)
        await container.issuers.platform()
    except Exception as exc:
        log.warning("not ready: %s", type(exc).__name__)
        return json_response(
            {"status": "unavailable", "reason": "database or platform issuer unavailable"},
            503,
            NO_CACHE,
        )
    return json_response({"status": "ok"}, headers=NO_CACHE)


async def metrics(_request: Request) -> Response:
    body, content_type = metric_registry.render()
    return Response(body, headers={"content-type": content_type, **NO_CACHE})
