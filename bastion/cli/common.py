"""Helpers the commands share: settings with clear errors, and a container for one command."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bastion.container import ConfigurationError, Container
from bastion.domain.errors import DomainError
from bastion.settings import Settings, SettingsError
from bastion.store import migrate
from bastion.store.db import Database

T = TypeVar("T")


class CliError(Exception):
    pass


def load_settings(**overrides: object) -> Settings:
    for name, value in overrides.items():
        if value is not None:
            os.environ[f"BASTION_{name.upper()}"] = str(value)
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise CliError(str(exc)) from None


def build_container(settings: Settings) -> Container:
    try:
        return Container.build(settings, pool_size=2)
    except ConfigurationError as exc:
        raise CliError(str(exc)) from None


async def check_schema(db: Database) -> None:
    current, head = await migrate.current_revision(db), migrate.head_revision()
    if current != head:
        raise CliError(
            f"the database schema is at {current or 'nothing'}, this version needs {head}: "
            "run `bastion migrate` first"
        )


def with_container(settings: Settings, work: Callable[[Container], Awaitable[T]]) -> T:
    async def run() -> T:
        container = build_container(settings)
        try:
            await check_schema(container.db)
            return await work(container)
        finally:
            await container.db.dispose()

    return asyncio.run(run())


def with_app_container(work: Callable[[Container], Awaitable[T]]) -> T:
    """Run ``work`` with settings from the environment; domain errors become CLI errors."""
    try:
        return with_container(load_settings(), work)
    except DomainError as exc:
        raise CliError(exc.message) from None
