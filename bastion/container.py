"""Builds the services, stores and keys from settings. Only this module and ``app.py`` know the
concrete store classes; everything else receives the narrow interface it declares."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from bastion.crypto.envelope import MasterKey, MasterKeyError
from bastion.crypto.passwords import Argon2Params, PasswordHasher, threads_per_worker
from bastion.crypto.secrets import KeyedHasher
from bastion.domain.credentials import PREFIXES, CredentialKind
from bastion.oauth import token_types
from bastion.oauth.engine import Engine, GrantPolicy, InteractivePorts
from bastion.oauth.jti import JtiTags
from bastion.oauth.models import OpaqueExchange
from bastion.ops.ratelimit import FailureWindow
from bastion.services.bootstrap import BootstrapResult, bootstrap
from bastion.services.changes import ChangeFeed
from bastion.services.clients import ClientAdmin, ClientDirectory
from bastion.services.codes import OneTimeCodes
from bastion.services.end_users import EndUsers
from bastion.services.housekeeping import Housekeeping
from bastion.services.interactions import Interactions
from bastion.services.issuers import IssuerDirectory, IssuerProfile
from bastion.services.keys import KeyService
from bastion.services.mail import Mailer, OutboxTransport, SmtpTransport
from bastion.services.recovery import Recovery
from bastion.services.sessions import SessionService
from bastion.services.throttle import Throttle
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.store.repositories.grants import SqlGrantStore
from bastion.store.repositories.tokens import SqlTokenStore

MACHINE_GRANTS = frozenset({token_types.GRANT_CLIENT_CREDENTIALS, token_types.GRANT_TOKEN_EXCHANGE})
ALL_GRANTS = MACHINE_GRANTS | token_types.PUBLIC_GRANTS
# The builder contract approves device codes by token exchange with this resource prefix
# (contracts/pymthouse-wire.md §2.2.2); the device page lives at the origin root (§2.3).
DEVICE_APPROVAL_RESOURCE = "urn:pmth:device_code:"
DEVICE_PAGE = "/oidc/device"
# The builder contract's remote-signer sessions (contracts/pymthouse-wire.md §2.2.1).
SIGNER_SESSION_TYPE = "urn:pmth:token-type:remote-signer-session"
CLOCK_LEEWAY = timedelta(seconds=60)


class ConfigurationError(RuntimeError):
    pass


def load_master_key(settings: Settings) -> MasterKey:
    if settings.master_key is not None:
        try:
            return MasterKey.from_text(settings.master_key.get_secret_value())
        except MasterKeyError as exc:
            raise ConfigurationError(f"BASTION_MASTER_KEY: {exc}") from None
    if not settings.is_sqlite:
        raise ConfigurationError(
            "BASTION_MASTER_KEY is required with PostgreSQL: every node must share the key that "
            "encrypts signing keys. Generate one with `bastion keys new-master-key`."
        )
    try:
        return MasterKey.load_or_create(settings.data_dir / "master.key")
    except MasterKeyError as exc:
        raise ConfigurationError(str(exc)) from None


@dataclass
class Container:
    settings: Settings
    master_key: MasterKey
    db: Database
    hasher: KeyedHasher
    keys: KeyService
    issuers: IssuerDirectory
    clients: ClientDirectory
    client_admin: ClientAdmin
    tokens: SqlTokenStore
    engine: Engine
    changes: ChangeFeed
    passwords: PasswordHasher
    mailer: Mailer
    outbox: OutboxTransport
    sessions: SessionService
    users: EndUsers
    recovery: Recovery
    interactions: Interactions
    housekeeping: Housekeeping

    @classmethod
    def build(cls, settings: Settings, *, pool_size: int = 10) -> Container:
        master = load_master_key(settings)
        db = Database(settings.effective_database_url, pool_size=pool_size)
        hasher = KeyedHasher(master.derive("secret-pepper"))
        grace = timedelta(seconds=settings.access_token_ttl + settings.key_cache_ttl) + CLOCK_LEEWAY
        keys = KeyService(master.sealer("signing-keys"), retire_grace=grace)
        signer_sessions = OpaqueExchange(
            trigger_scope="sign:job",
            token_type=SIGNER_SESSION_TYPE,
            kind=CredentialKind.SIGNER_SESSION.value,
            prefix=PREFIXES[CredentialKind.SIGNER_SESSION],
            ttl=settings.signer_session_ttl,
        )
        app_profile = IssuerProfile(
            grant_types=ALL_GRANTS,
            device_verification_uri=settings.public_url + DEVICE_PAGE,
            device_approval_resource_prefix=DEVICE_APPROVAL_RESOURCE,
        )
        issuers = IssuerDirectory(
            db,
            keys,
            settings,
            app_profile=app_profile,
            platform_profile=replace(app_profile, opaque_exchange=signer_sessions),
        )
        clients = ClientDirectory(db, ttl=settings.key_cache_ttl)
        tokens = SqlTokenStore(db)
        limiter = FailureWindow(
            limit=settings.client_auth_failure_limit, window=settings.client_auth_failure_window
        )
        passwords = PasswordHasher(
            Argon2Params(
                time_cost=settings.argon2_time_cost,
                memory_kib=settings.argon2_memory_kib,
                parallelism=settings.argon2_parallelism,
            ),
            max_threads=settings.argon2_threads or threads_per_worker(settings.workers),
        )
        outbox = OutboxTransport(db, master.sealer("outbox"))
        smtp = settings.smtp_url.get_secret_value() if settings.smtp_url else None
        mailer = Mailer(SmtpTransport(smtp, settings.mail_from) if smtp else outbox)
        sessions = SessionService(db, hasher, ttl=settings.session_ttl)
        users = EndUsers(
            db,
            passwords,
            OneTimeCodes(db, hasher, ttl=settings.one_time_code_ttl),
            mailer,
            Throttle(settings),
            default_min_length=settings.password_min_length,
        )
        grants = SqlGrantStore(db, access_token_ttl=settings.access_token_ttl)
        engine = Engine(
            clients=clients,
            issuers=issuers,
            tokens=tokens,
            hasher=hasher,
            limiter=limiter,
            jti_tags=JtiTags(master.derive("jti-tags")),
            interactive=InteractivePorts(
                codes=grants,
                refresh_tokens=grants,
                device_codes=grants,
                sessions=sessions,
                people=users,
                policy=GrantPolicy(
                    authorization_code_ttl=settings.authorization_code_ttl,
                    refresh_token_ttl=settings.refresh_token_ttl,
                    refresh_reuse_grace=settings.refresh_reuse_grace,
                    device_code_ttl=settings.device_code_ttl,
                    device_poll_interval=settings.device_poll_interval,
                ),
            ),
        )
        changes = ChangeFeed(db, interval=settings.invalidation_poll_interval)
        changes.subscribe("keys", issuers.invalidate)
        changes.subscribe("client", clients.invalidate)
        return cls(
            settings=settings,
            master_key=master,
            db=db,
            hasher=hasher,
            keys=keys,
            issuers=issuers,
            clients=clients,
            client_admin=ClientAdmin(db, hasher),
            tokens=tokens,
            engine=engine,
            changes=changes,
            passwords=passwords,
            mailer=mailer,
            outbox=outbox,
            sessions=sessions,
            users=users,
            recovery=Recovery(users),
            interactions=Interactions(
                db, engine, hasher, sessions, users, ttl=settings.interaction_ttl
            ),
            housekeeping=Housekeeping(db, tokens),
        )

    async def bootstrap(self) -> BootstrapResult:
        return await bootstrap(
            self.settings,
            self.db,
            self.keys,
            self.client_admin,
            self.hasher,
            self.master_key,
            self.users,
        )

    async def start(self) -> None:
        await self.changes.start()
        self.housekeeping.start()

    async def close(self) -> None:
        await self.mailer.drain()
        self.passwords.close()
        await self.housekeeping.stop()
        await self.changes.stop()
        await self.db.dispose()
