"""In-memory implementations of the engine's ports, for unit tests without a database."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bastion.crypto.encoding import json_dumps
from bastion.crypto.jwt import SigningKey
from bastion.crypto.keys import SigningAlg, generate_private_key, new_kid, public_jwk
from bastion.crypto.secrets import KeyedHasher
from bastion.oauth import token_types
from bastion.oauth.engine import Engine
from bastion.oauth.models import Client, IssuerContext, KeySet, OpaqueTokenRecord

HASHER = KeyedHasher(b"p" * 32)
GRANTS = frozenset({token_types.GRANT_CLIENT_CREDENTIALS, token_types.GRANT_TOKEN_EXCHANGE})


def keyset(alg: SigningAlg = SigningAlg.ES256) -> KeySet:
    private = generate_private_key(alg)
    signer = SigningKey(kid=new_kid(alg), alg=alg, private_key=private)
    jwk = public_jwk(private.public_key(), signer.kid, alg)
    return KeySet(signer, {signer.kid: signer.verification_key()}, json_dumps({"keys": [jwk]}))


def issuer(url: str = "https://id.example/app", realm: str | None = "app-1") -> IssuerContext:
    return IssuerContext(
        id=f"iss-{realm}",
        url=url,
        realm=realm,
        tenant="ws-1",
        default_audience="app",
        keys=keyset(),
        access_token_ttl=600,
        grant_types=GRANTS,
    )


def client(
    client_id: str = "m2m_a",
    secret: str | None = "s3cret",
    realm: str = "app-1",
    **overrides: object,
) -> Client:
    values: dict[str, object] = {
        "client_id": client_id,
        "realm": realm,
        "tenant": "ws-1",
        "confidential": secret is not None,
        "secret_digest": HASHER.digest(secret) if secret else None,
        "grant_types": GRANTS,
        "scopes": ("read", "write"),
        "default_scopes": ("read",),
    }
    values.update(overrides)
    return Client(**values)  # type: ignore[arg-type]


@dataclass
class MemoryStore:
    clients: dict[str, Client] = field(default_factory=dict)
    issuers: dict[str, IssuerContext] = field(default_factory=dict)
    opaque: dict[bytes, OpaqueTokenRecord] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    failures: list[Sequence[Hashable]] = field(default_factory=list)
    blocked: int | None = None

    async def get_client(self, client_id: str) -> Client | None:
        return self.clients.get(client_id)

    async def issuer_by_url(self, url: str) -> IssuerContext | None:
        return self.issuers.get(url)

    async def save_opaque(self, digest: bytes, record: OpaqueTokenRecord) -> None:
        self.opaque[digest] = record

    async def find_opaque(self, digest: bytes) -> OpaqueTokenRecord | None:
        return self.opaque.get(digest)

    async def revoke_opaque(self, digest: bytes) -> None:
        self.opaque[digest] = replace(self.opaque[digest], revoked=True)

    async def revoke_jwt(
        self, jti: str, *, issuer_id: str, tenant: str | None, expires_at: datetime
    ) -> None:
        self.revoked.add(jti)

    async def is_jwt_revoked(self, jti: str) -> bool:
        return jti in self.revoked

    def retry_after(self, keys: Sequence[Hashable]) -> int | None:
        return self.blocked

    def record_failure(self, keys: Sequence[Hashable]) -> None:
        self.failures.append(keys)


def engine(store: MemoryStore, now: float = 1_800_000_000.0) -> Engine:
    return Engine(
        clients=store, issuers=store, tokens=store, hasher=HASHER, limiter=store, clock=lambda: now
    )
