"""OAuth clients: registration, secret rotation, and the cached lookup the engine uses.

The cache holds each client with the keyed hash of its secret, so a warm token request costs
no database round trip; any change appends a change event that evicts it on every node.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from bastion.crypto.secrets import KeyedHasher, new_opaque_token
from bastion.domain.credentials import PREFIXES, CredentialKind
from bastion.domain.errors import NotFound, ValidationFailed
from bastion.domain.ids import new_confidential_client_id, new_id, new_public_client_id
from bastion.domain.scopes import InvalidScope, parse_scope
from bastion.domain.tenancy import Tenant
from bastion.oauth import token_types
from bastion.oauth.models import Client
from bastion.store.db import Database
from bastion.store.repositories import clients as repo
from bastion.store.repositories import events
from bastion.store.schema import OAuthClient
from bastion.store.types import utcnow

KNOWN_GRANTS = frozenset(
    {
        token_types.GRANT_CLIENT_CREDENTIALS,
        token_types.GRANT_TOKEN_EXCHANGE,
        token_types.GRANT_AUTHORIZATION_CODE,
        token_types.GRANT_REFRESH_TOKEN,
        token_types.GRANT_DEVICE_CODE,
    }
)
CONFIDENTIAL_ONLY = frozenset(
    {token_types.GRANT_CLIENT_CREDENTIALS, token_types.GRANT_TOKEN_EXCHANGE}
)
NEGATIVE_TTL = 5.0
MAX_ENTRIES = 50_000


@dataclass(frozen=True, slots=True)
class ClientSpec:
    name: str
    confidential: bool = True
    grant_types: tuple[str, ...] = (token_types.GRANT_CLIENT_CREDENTIALS,)
    scopes: tuple[str, ...] = ()
    default_scopes: tuple[str, ...] | None = None
    audiences: tuple[str, ...] = ()
    redirect_uris: tuple[str, ...] = ()
    post_logout_redirect_uris: tuple[str, ...] = ()
    require_pkce: bool = True


@dataclass(frozen=True, slots=True)
class ClientInfo:
    client_id: str
    name: str
    confidential: bool
    grant_types: tuple[str, ...]
    scopes: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    secret_hint: str | None
    created_at: datetime
    active: bool = True
    app_id: str = ""


def _info(row: OAuthClient) -> ClientInfo:
    return ClientInfo(
        client_id=row.client_id,
        name=row.name,
        confidential=row.client_type == "confidential",
        grant_types=tuple(row.grant_types),
        scopes=tuple(row.scopes),
        redirect_uris=tuple(row.redirect_uris),
        secret_hint=row.secret_hint,
        created_at=row.created_at,
        active=row.active,
        app_id=row.app_id,
    )


def to_engine_client(row: OAuthClient) -> Client:
    return Client(
        client_id=row.client_id,
        realm=row.app_id,
        tenant=row.workspace_id,
        confidential=row.client_type == "confidential",
        secret_digest=row.secret_digest,
        grant_types=frozenset(row.grant_types),
        scopes=tuple(row.scopes),
        default_scopes=tuple(row.default_scopes),
        audiences=frozenset(row.audiences),
        redirect_uris=tuple(row.redirect_uris),
        require_pkce=row.require_pkce,
        active=row.active,
    )


def _check_uris(name: str, uris: Iterable[str]) -> list[str]:
    checked = []
    for uri in uris:
        parts = urlsplit(uri)
        if (
            not parts.scheme
            or parts.fragment
            or (parts.scheme in ("http", "https") and not parts.netloc)
        ):
            raise ValidationFailed(
                f"{name} must be absolute URIs without a fragment", fields={name: uri[:200]}
            )
        checked.append(uri)
    return checked


def validate_spec(spec: ClientSpec) -> ClientSpec:
    if not spec.name.strip() or len(spec.name) > 200:
        raise ValidationFailed("name must be 1 to 200 characters", fields={"name": "length"})
    unknown = [g for g in spec.grant_types if g not in KNOWN_GRANTS]
    if unknown:
        raise ValidationFailed(f"unknown grant types: {unknown}", fields={"grant_types": "unknown"})
    if not spec.confidential and CONFIDENTIAL_ONLY.intersection(spec.grant_types):
        raise ValidationFailed(
            "public clients cannot use client_credentials or token exchange",
            fields={"grant_types": "confidential_only"},
        )
    try:
        parse_scope(" ".join(spec.scopes))
    except InvalidScope as exc:
        raise ValidationFailed(str(exc), fields={"scopes": "malformed"}) from None
    defaults = spec.scopes if spec.default_scopes is None else spec.default_scopes
    if not set(defaults) <= set(spec.scopes):
        raise ValidationFailed(
            "default scopes must be allowed scopes", fields={"default_scopes": "not_allowed"}
        )
    _check_uris("redirect_uris", spec.redirect_uris)
    _check_uris("post_logout_redirect_uris", spec.post_logout_redirect_uris)
    return spec


class ClientDirectory:
    """The engine's :class:`~bastion.oauth.ports.ClientStore`, backed by a per-node cache."""

    def __init__(
        self, db: Database, *, ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.db = db
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[str, tuple[float, Client | None]] = {}
        self._inflight: dict[str, asyncio.Future[Client | None]] = {}

    async def get_client(self, client_id: str) -> Client | None:
        if not client_id or len(client_id) > 128:
            return None
        hit = self._cache.get(client_id)
        if hit is not None and hit[0] > self.clock():
            return hit[1]
        pending = self._inflight.get(client_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Client | None] = asyncio.get_running_loop().create_future()
        self._inflight[client_id] = future
        try:
            async with self.db.read() as session:
                row = await repo.client_by_client_id(session, client_id)
            client = to_engine_client(row) if row is not None else None
            if len(self._cache) >= MAX_ENTRIES:
                self._cache.clear()
            ttl = self.ttl if client is not None else NEGATIVE_TTL
            self._cache[client_id] = (self.clock() + ttl, client)
            future.set_result(client)
            return client
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            self._inflight.pop(client_id, None)

    def invalidate(self, client_id: str | None = None) -> None:
        if client_id is None:
            self._cache.clear()
        else:
            self._cache.pop(client_id, None)


class ClientAdmin:
    """Registering and managing clients of one app."""

    def __init__(self, db: Database, hasher: KeyedHasher) -> None:
        self.db = db
        self.hasher = hasher

    def _new_secret(self) -> tuple[str, bytes, str]:
        secret = new_opaque_token(PREFIXES[CredentialKind.CLIENT_SECRET])
        return secret, self.hasher.digest(secret), secret[-4:]

    async def create(
        self, tenant: Tenant, spec: ClientSpec, *, secret: str | None = None, actor: str = "system"
    ) -> tuple[ClientInfo, str | None]:
        """Register a client; returns it and, for confidential clients, its secret (shown once)."""
        if tenant.app_id is None:
            raise ValidationFailed("clients belong to an app", fields={"app": "required"})
        spec = validate_spec(spec)
        digest = hint = None
        if spec.confidential:
            if secret is None:
                secret, digest, hint = self._new_secret()
            else:
                digest, hint = self.hasher.digest(secret), secret[-4:]
        else:
            secret = None
        client_id = new_confidential_client_id() if spec.confidential else new_public_client_id()
        row = OAuthClient(
            id=new_id(),
            client_id=client_id,
            workspace_id=tenant.workspace_id,
            app_id=tenant.app_id,
            name=spec.name.strip(),
            client_type="confidential" if spec.confidential else "public",
            secret_digest=digest,
            secret_hint=hint,
            grant_types=list(spec.grant_types),
            scopes=list(spec.scopes),
            default_scopes=list(
                spec.scopes if spec.default_scopes is None else spec.default_scopes
            ),
            audiences=list(spec.audiences),
            redirect_uris=list(spec.redirect_uris),
            post_logout_redirect_uris=list(spec.post_logout_redirect_uris),
            require_pkce=spec.require_pkce,
            active=True,
        )
        async with self.db.write() as session:
            session.add(row)
            events.append_change(session, "client", client_id)
            events.record_audit(
                session,
                action="client.created",
                actor_type="account" if actor != "system" else "system",
                actor_id=None if actor == "system" else actor,
                workspace_id=tenant.workspace_id,
                app_id=tenant.app_id,
                resource=f"client/{client_id}",
                details={"name": row.name, "grant_types": row.grant_types},
            )
        return _info(row), secret

    async def rotate_secret(self, tenant: Tenant, client_id: str) -> str:
        secret, digest, hint = self._new_secret()
        async with self.db.write() as session:
            row = await repo.client_in_tenant(session, tenant, client_id)
            if row is None or row.client_type != "confidential":
                raise NotFound("client not found")
            row.secret_digest, row.secret_hint, row.secret_rotated_at = digest, hint, utcnow()
            events.append_change(session, "client", client_id)
            events.record_audit(
                session,
                action="client.secret_rotated",
                actor_type="system",
                workspace_id=tenant.workspace_id,
                app_id=tenant.app_id,
                resource=f"client/{client_id}",
            )
        return secret

    async def set_active(self, tenant: Tenant, client_id: str, active: bool) -> None:
        async with self.db.write() as session:
            row = await repo.client_in_tenant(session, tenant, client_id)
            if row is None:
                raise NotFound("client not found")
            row.active = active
            events.append_change(session, "client", client_id)
            events.record_audit(
                session,
                action="client.enabled" if active else "client.disabled",
                actor_type="system",
                workspace_id=tenant.workspace_id,
                app_id=tenant.app_id,
                resource=f"client/{client_id}",
            )

    async def list(self, tenant: Tenant) -> list[ClientInfo]:
        async with self.db.read() as session:
            return [_info(r) for r in await repo.clients_of(session, tenant)]

    async def get(self, tenant: Tenant, client_id: str) -> ClientInfo:
        async with self.db.read() as session:
            row = await repo.client_in_tenant(session, tenant, client_id)
        if row is None:
            raise NotFound("client not found")
        return _info(row)
