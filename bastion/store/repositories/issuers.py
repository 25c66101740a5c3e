"""Issuers and their signing keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.store.schema import App, Issuer, SigningKey


async def platform_issuer(session: AsyncSession) -> Issuer | None:
    return await session.scalar(select(Issuer).where(Issuer.kind == "platform"))


async def issuer_of_app_slug(session: AsyncSession, slug: str) -> tuple[Issuer, App] | None:
    row = (
        await session.execute(
            select(Issuer, App).join(App, Issuer.app_id == App.id).where(App.slug == slug)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def issuer_of_app(session: AsyncSession, app_id: str) -> Issuer | None:
    return await session.scalar(select(Issuer).where(Issuer.app_id == app_id))


async def all_issuers(session: AsyncSession) -> list[tuple[Issuer, App | None]]:
    rows = await session.execute(
        select(Issuer, App).outerjoin(App, Issuer.app_id == App.id).order_by(Issuer.created_at)
    )
    return [(r[0], r[1]) for r in rows]


async def keys_of(session: AsyncSession, issuer_id: str) -> list[SigningKey]:
    rows = await session.scalars(
        select(SigningKey).where(SigningKey.issuer_id == issuer_id).order_by(SigningKey.created_at)
    )
    return list(rows)
