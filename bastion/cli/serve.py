"""`bastion serve`: run the HTTP server, one or several worker processes, on the stack
BASTION_SERVER names (uvicorn with uvloop and httptools, each response in one write, or
granian). The schema must be current; the platform issuer and its keys are created if
missing."""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

import uvicorn

from bastion.cli.common import build_container, check_schema, load_settings
from bastion.crypto.keys import SigningAlg
from bastion.ops.http_protocol import PROTOCOL as HTTP_PROTOCOL
from bastion.ops.logging import configure_logging
from bastion.ops.metrics import prepare_multiprocess
from bastion.services.tenancy import ensure_platform_issuer
from bastion.settings import ServerStack, Settings

STACKS = {
    ServerStack.UVICORN.value: "uvicorn + uvloop + httptools (one write per response)",
    ServerStack.GRANIAN.value: "granian (ASGI, uvloop)",
}
DEFAULT_STACK = Settings.model_fields["server"].default.value
APP_FACTORY = "bastion.app:create_app"


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser("serve", help="run the server")
    parser.add_argument("--host", help="interface to listen on (BASTION_HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (BASTION_PORT)")
    parser.add_argument("--workers", type=int, help="worker processes (BASTION_WORKERS)")
    parser.add_argument("--server", choices=list(STACKS), help="HTTP server (BASTION_SERVER)")
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
    settings = load_settings(
        host=args.host, port=args.port, workers=args.workers, server=args.server
    )
    configure_logging(settings.log_level, settings.log_format.value)
    # The worker processes read their settings from the environment: they learn the worker
    # count (which sizes their password-hashing threads) even when it came from --workers.
    os.environ["BASTION_WORKERS"] = str(settings.workers)
    asyncio.run(_prepare(settings))
    if settings.workers > 1:
        prepare_multiprocess(settings.data_dir / "prometheus")
    if settings.server is ServerStack.GRANIAN:
        _granian(settings)
    else:
        _uvicorn(settings)
    return 0


def _uvicorn(settings: Settings) -> None:
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        http=HTTP_PROTOCOL,
        log_config=None,
        access_log=False,
        server_header=False,
        date_header=True,
        timeout_graceful_shutdown=10,
    )


def _granian(settings: Settings) -> None:
    from granian.constants import Interfaces, Loops
    from granian.server import Server

    Server(
        APP_FACTORY,
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=settings.workers,
        loop=Loops.uvloop,
        websockets=False,
        log_enabled=False,
        log_access=False,
    ).serve()
