"""`bastion bootstrap`: the platform issuer, and in demo mode a workspace, an app and clients.

Idempotent: running it again finds what exists and creates only what is missing. Demo secrets
are derived from the master key rather than stored, so every run can print them again while the
database still holds only their keyed hashes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bastion.crypto.envelope import MasterKey
from bastion.crypto.keys import SigningAlg
from bastion.crypto.secrets import KeyedHasher, opaque_token_from_bytes
from bastion.domain.credentials import PREFIXES, CredentialKind
from bastion.domain.tenancy import Tenant
from bastion.oauth import token_types
from bastion.services.clients import ClientAdmin, ClientSpec
from bastion.services.keys import KeyService
from bastion.services.tenancy import create_app, ensure_platform_issuer, ensure_workspace
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.store.repositories import clients, tenancy

DEMO_WORKSPACE = "demo"
DEMO_APP = "demo"
DEMO_M2M = "Demo machine client"
DEMO_M2M_SCOPES = (
    "sign:job",
    "sign:mint_user_token",
    "users:read",
    "users:write",
    "users:token",
    "device:approve",
)


@dataclass(frozen=True, slots=True)
class BootstrapResult:
    public_url: str
    platform_issuer: str
    issuer: str | None = None
    workspace: str | None = None
    app: str | None = None
    m2m_client_id: str | None = None
    m2m_client_secret: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


def demo_secret(master: MasterKey, purpose: str, kind: CredentialKind) -> str:
    return opaque_token_from_bytes(PREFIXES[kind], master.derive(f"demo/{purpose}"))


async def bootstrap(
    settings: Settings,
    db: Database,
    keys: KeyService,
    client_admin: ClientAdmin,
    hasher: KeyedHasher,
    master: MasterKey,
) -> BootstrapResult:
    alg = SigningAlg(settings.default_signing_alg.value)
    async with db.write() as session:
        await ensure_platform_issuer(session, keys, alg)
    result = BootstrapResult(
        public_url=settings.public_url, platform_issuer=settings.platform_issuer
    )
    if not settings.demo:
        return result

    async with db.write() as session:
        workspace = await ensure_workspace(session, DEMO_WORKSPACE, "Demo workspace")
        app = await tenancy.app_by_slug(session, DEMO_APP)
        if app is None:
            app = await create_app(
                session, keys, workspace, slug=DEMO_APP, name="Demo app", signing_alg=alg
            )
    tenant = Tenant(workspace.id, app.id)

    secret = demo_secret(master, "m2m-client-secret", CredentialKind.CLIENT_SECRET)
    async with db.read() as session:
        existing = await clients.client_named(session, tenant, DEMO_M2M)
    if existing is None:
        info, _ = await client_admin.create(
            tenant,
            ClientSpec(
                name=DEMO_M2M,
                confidential=True,
                grant_types=(
                    token_types.GRANT_CLIENT_CREDENTIALS,
                    token_types.GRANT_TOKEN_EXCHANGE,
                ),
                scopes=DEMO_M2M_SCOPES,
                default_scopes=("sign:job",),
            ),
            secret=secret,
        )
        client_id = info.client_id
    else:
        client_id = existing.client_id
        if existing.secret_digest is None or not hasher.matches(secret, existing.secret_digest):
            secret = ""  # rotated since: the new secret was shown once, when it was made
    return BootstrapResult(
        public_url=settings.public_url,
        platform_issuer=settings.platform_issuer,
        issuer=settings.app_issuer(app.slug),
        workspace=workspace.slug,
        app=app.slug,
        m2m_client_id=client_id,
        m2m_client_secret=secret or None,
    )
