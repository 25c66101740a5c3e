"""`bastion serve`: run the HTTP server (uvicorn, uvloop and httptools; several workers on
request). The schema must be current; the platform issuer and its keys are created if missing."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import uvicorn

from bastion.cli.common import build_container, check_schema, load_settings
from bastion.crypto.keys import SigningAlg
from bastion.ops.logging import configure_logging
from bastion.ops.metrics import prepare_multiprocess
from bastion.services.tenancy import ensure_platform_issuer
from bastion.settings import Settings


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser("serve", help="run the server")
    parser.add_argument("--host", help="interface to listen on (BASTION_HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (BASTION_PORT)")
    parser.add_argument("--workers", type=int, help="worker processes (BASTION_WORKERS)")
    parser.set_defaults(run=run)


async def _prepare(settings: Settings) -> None:
    container = build_container(settings)
    try:
        await check_schema(container.db)
        async with container.db.write() as session:
            await ensure_platform_issuer(
                session, container.keys, SigningAlg(settings.default_signing_alg.value)
            )
    finally:
        await container.db.dispose()


def run(args: argparse.Namespace) -> int:
    settings = load_settings(host=args.host, port=args.port, workers=args.workers)
    configure_logging(settings.log_level, settings.log_format.value)
    asyncio.run(_prepare(settings))
    if settings.workers > 1:
        prepare_multiprocess(settings.data_dir / "prometheus")
    uvicorn.run(
        "bastion.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        server_header=False,
        date_header=True,
        timeout_graceful_shutdown=10,
    )
    return 0
