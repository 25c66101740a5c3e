"""Workspaces, accounts and apps: creating the tenants everything else hangs off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bastion.crypto.keys import SigningAlg
from bastion.domain.apps import check_app_slug, check_workspace_slug
from bastion.domain.errors import Conflict, NotFound, ValidationFailed
from bastion.domain.ids import new_id
from bastion.domain.tenancy import Tenant
from bastion.services.keys import KeyService
from bastion.store.db import Database
from bastion.store.repositories import events, issuers, tenancy
from bastion.store.schema import App, Issuer, Workspace
from bastion.store.types import utcnow


@dataclass(frozen=True, slots=True)
class AppInfo:
    id: str
    workspace_id: str
    slug: str
    name: str
    config: dict[str, Any]
    created_at: datetime

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.workspace_id, self.id)


def app_info(row: App) -> AppInfo:
    return AppInfo(
        id=row.id,
        workspace_id=row.workspace_id,
        slug=row.slug,
        name=row.name,
        config=dict(row.config),
        created_at=row.created_at,
    )


async def ensure_workspace(session: AsyncSession, slug: str, name: str) -> Workspace:
    problem = check_workspace_slug(slug)
    if problem:
        raise ValidationFailed(f"workspace slug {problem}", fields={"slug": problem})
    found = await tenancy.workspace_by_slug(session, slug)
    if found is not None:
        return found
    row = Workspace(id=new_id(), slug=slug, name=name)
    session.add(row)
    await session.flush()
    events.record_audit(
        session,
        action="workspace.created",
        actor_type="system",
        workspace_id=row.id,
        resource=f"workspace/{row.id}",
    )
    return row


async def create_app(
    session: AsyncSession,
    keys: KeyService,
    workspace: Workspace,
    *,
    slug: str,
    name: str,
    signing_alg: SigningAlg,
    config: dict[str, Any] | None = None,
) -> App:
    """A new app with its own issuer and key set, in the caller's transaction."""
    problem = check_app_slug(slug)
    if problem:
        raise ValidationFailed(f"app slug {problem}", fields={"slug": problem})
    if await tenancy.app_by_slug(session, slug) is not None:
        raise Conflict(f"the app slug '{slug}' is taken", code="slug_taken")
    app = App(id=new_id(), workspace_id=workspace.id, slug=slug, name=name, config=config or {})
    session.add(app)
    issuer = Issuer(
        id=new_id(),
        kind="app",
        workspace_id=workspace.id,
        app_id=app.id,
        signing_alg=signing_alg.value,
    )
    session.add(issuer)
    await session.flush()
    await keys.add_initial_keys(session, issuer, utcnow())
    # Nodes that were asked for this slug before it existed cached "no such issuer".
    events.append_change(session, "keys", issuer.id)
    events.record_audit(
        session,
        action="app.created",
        actor_type="system",
        workspace_id=workspace.id,
        app_id=app.id,
        resource=f"app/{app.id}",
        details={"slug": slug},
    )
    return app


async def ensure_platform_issuer(
    session: AsyncSession, keys: KeyService, signing_alg: SigningAlg
) -> Issuer:
    found = await issuers.platform_issuer(session)
    if found is not None:
        return found
    issuer = Issuer(id=new_id(), kind="platform", signing_alg=signing_alg.value)
    session.add(issuer)
    await session.flush()
    await keys.add_initial_keys(session, issuer, utcnow())
    events.record_audit(
        session,
        action="platform_issuer.created",
        actor_type="system",
        resource=f"issuer/{issuer.id}",
    )
    return issuer


async def get_app(db: Database, slug: str) -> AppInfo:
    async with db.read() as session:
        row = await tenancy.app_by_slug(session, slug)
    if row is None:
        raise NotFound(f"no app '{slug}'")
    return app_info(row)


async def add_app(
    db: Database,
    keys: KeyService,
    *,
    workspace_slug: str,
    slug: str,
    name: str | None = None,
    signing_alg: SigningAlg = SigningAlg.RS256,
) -> AppInfo:
    """Create an app (and its issuer and keys) in an existing workspace."""
    async with db.write() as session:
        workspace = await tenancy.workspace_by_slug(session, workspace_slug)
        if workspace is None:
            raise NotFound(f"no workspace '{workspace_slug}'")
        app = await create_app(
            session, keys, workspace, slug=slug, name=name or slug, signing_alg=signing_alg
        )
        return app_info(app)


async def list_apps(db: Database, workspace_slug: str) -> list[AppInfo]:
    async with db.read() as session:
        workspace = await tenancy.workspace_by_slug(session, workspace_slug)
        if workspace is None:
            raise NotFound(f"no workspace '{workspace_slug}'")
        return [app_info(a) for a in await tenancy.apps_of(session, Tenant(workspace.id))]
