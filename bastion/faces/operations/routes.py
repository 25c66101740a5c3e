"""The route table of the operational endpoints."""

from __future__ import annotations

from starlette.routing import Route

from bastion.faces.operations import handlers

ROUTES = [
    Route("/healthz", handlers.healthz, methods=["GET"], name="healthz"),
    Route("/readyz", handlers.readyz, methods=["GET"], name="readyz"),
    Route("/metrics", handlers.metrics, methods=["GET"], name="metrics"),
]
