"""Workspaces, accounts, memberships and apps."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.domain.tenancy import Tenant
from bastion.store.schema import Account, App, Membership, Workspace
from bastion.store.scoping import scoped


async def workspace_by_slug(session: AsyncSession, slug: str) -> Workspace | None:
    return await session.scalar(select(Workspace).where(Workspace.slug == slug))


async def account_by_email(session: AsyncSession, email: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.email == email))


async def membership(session: AsyncSession, tenant: Tenant, account_id: str) -> Membership | None:
    stmt = scoped(select(Membership), Membership, Tenant(tenant.workspace_id))
    found: Membership | None = await session.scalar(stmt.where(Membership.account_id == account_id))
    return found


async def app_by_slug(session: AsyncSession, slug: str) -> App | None:
    """Slugs are globally unique because they are the first path segment of issuer URLs."""
    return await session.scalar(select(App).where(App.slug == slug))


async def apps_of(session: AsyncSession, tenant: Tenant) -> list[App]:
    rows = await session.scalars(
        scoped(select(App), App, Tenant(tenant.workspace_id)).order_by(App.created_at)
    )
    return list(rows)
