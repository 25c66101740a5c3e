"""Resolving issuers (per-app and the shared platform issuer) to engine contexts, cached.

Each node keeps the decrypted key set of the issuers it serves in memory; a rotation anywhere
appends a change event that makes every node drop its copy, and entries also expire after
``key_cache_ttl`` as a backstop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from bastion.oauth.models import IssuerContext, KeySet, OpaqueExchange
from bastion.services.keys import KeyService
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.store.repositories import issuers
from bastion.store.schema import App, Issuer
from bastion.store.types import utcnow

NEGATIVE_TTL = 5.0
MAX_NEGATIVE_ENTRIES = 10_000
PLATFORM = "\x00platform"


@dataclass(frozen=True, slots=True)
class IssuerProfile:
    """What an issuer offers, by kind; set once by the composition root from configuration."""

    grant_types: frozenset[str]
    opaque_exchange: OpaqueExchange | None = None


class IssuerDirectory:
    def __init__(
        self,
        db: Database,
        keys: KeyService,
        settings: Settings,
        *,
        app_profile: IssuerProfile,
        platform_profile: IssuerProfile,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.keys = keys
        self.settings = settings
        self.app_profile = app_profile
        self.platform_profile = platform_profile
        self.clock = clock
        self._cache: dict[str, tuple[float, IssuerContext | None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def platform(self) -> IssuerContext:
        ctx = await self._get(PLATFORM)
        if ctx is None:
            raise LookupError("the platform issuer does not exist yet: run `bastion bootstrap`")
        return ctx

    async def for_app_slug(self, slug: str) -> IssuerContext | None:
        if not slug or len(slug) > 64:
            return None
        return await self._get(slug)

    async def issuer_by_url(self, url: str) -> IssuerContext | None:
        """The engine's :class:`~bastion.oauth.ports.IssuerLookup`."""
        if url == self.settings.platform_issuer:
            return await self.platform()
        prefix = self.settings.public_url + "/"
        if url.startswith(prefix) and "/" not in url[len(prefix) :]:
            return await self.for_app_slug(url[len(prefix) :])
        return None

    def invalidate(self, issuer_id: str | None = None) -> None:
        if issuer_id is None:
            self._cache.clear()
            return
        for key, (_, ctx) in list(self._cache.items()):
            if ctx is None or ctx.id == issuer_id:
                self._cache.pop(key, None)

    async def _get(self, key: str) -> IssuerContext | None:
        hit = self._cache.get(key)
        now = self.clock()
        if hit is not None and hit[0] > now:
            return hit[1]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] > self.clock():
                return hit[1]
            ctx = await self._load(key)
            ttl = self.settings.key_cache_ttl if ctx is not None else NEGATIVE_TTL
            if ctx is None and len(self._cache) > MAX_NEGATIVE_ENTRIES:
                self._cache = {k: v for k, v in self._cache.items() if v[1] is not None}
            self._cache[key] = (self.clock() + ttl, ctx)
        self._locks.pop(key, None)
        return ctx

    async def _load(self, key: str) -> IssuerContext | None:
        async with self.db.read() as session:
            app: App | None = None
            if key == PLATFORM:
                issuer = await issuers.platform_issuer(session)
            else:
                found = await issuers.issuer_of_app_slug(session, key)
                issuer, app = found if found else (None, None)
            if issuer is None:
                return None
            rows = await issuers.keys_of(session, issuer.id)
        return self._context(issuer, app, self.keys.build_keyset(rows, utcnow()))

    def _context(self, issuer: Issuer, app: App | None, keyset: KeySet) -> IssuerContext:
        if app is None:
            url = self.settings.platform_issuer
            profile = self.platform_profile
            default_audience = url
        else:
            url = self.settings.app_issuer(app.slug)
            profile = self.app_profile
            default_audience = app.slug
        return IssuerContext(
            id=issuer.id,
            url=url,
            realm=issuer.app_id,
            tenant=issuer.workspace_id,
            default_audience=default_audience,
            keys=keyset,
            access_token_ttl=self.settings.access_token_ttl,
            grant_types=profile.grant_types,
            opaque_exchange=profile.opaque_exchange,
        )
