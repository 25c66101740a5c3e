"""OAuth clients."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.domain.tenancy import Tenant
from bastion.store.schema import OAuthClient
from bastion.store.scoping import scoped


async def client_by_client_id(session: AsyncSession, client_id: str) -> OAuthClient | None:
    """Credential lookup: ``client_id`` is globally unique; callers check the tenant after."""
    return await session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))


async def client_in_tenant(
    session: AsyncSession, tenant: Tenant, client_id: str
) -> OAuthClient | None:
    stmt = scoped(select(OAuthClient), OAuthClient, tenant)
    found: OAuthClient | None = await session.scalar(stmt.where(OAuthClient.client_id == client_id))
    return found


async def client_named(session: AsyncSession, tenant: Tenant, name: str) -> OAuthClient | None:
    stmt = scoped(select(OAuthClient), OAuthClient, tenant)
    found: OAuthClient | None = await session.scalar(stmt.where(OAuthClient.name == name))
    return found


async def clients_of(session: AsyncSession, tenant: Tenant) -> list[OAuthClient]:
    rows = await session.scalars(
        scoped(select(OAuthClient), OAuthClient, tenant).order_by(OAuthClient.created_at)
    )
    return list(rows)
