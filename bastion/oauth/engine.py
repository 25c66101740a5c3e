"""The engine's dependencies in one value, and the request shape endpoints share."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bastion.crypto.secrets import KeyedHasher
from bastion.oauth.client_auth import ClientAuthDeps
from bastion.oauth.errors import ServerError
from bastion.oauth.jti import JtiTags
from bastion.oauth.models import ClientCredentials
from bastion.oauth.params import Params
from bastion.oauth.ports import (
    AuthorizationCodes,
    ClientStore,
    DeviceCodes,
    FailureLimiter,
    IssuerLookup,
    People,
    RefreshTokens,
    Sessions,
    TokenStore,
)
from bastion.oauth.verified_tokens import VerifiedTokens


@dataclass(frozen=True, slots=True)
class GrantPolicy:
    """Lifetimes and limits of the end-user grants (set from configuration)."""

    authorization_code_ttl: int = 60
    refresh_token_ttl: int = 30 * 86400
    refresh_reuse_grace: float = 60.0
    device_code_ttl: int = 600
    device_poll_interval: int = 5


@dataclass(frozen=True, slots=True)
class InteractivePorts:
    """What the end-user grants (code, refresh, device) and OpenID Connect need."""

    codes: AuthorizationCodes
    refresh_tokens: RefreshTokens
    device_codes: DeviceCodes
    sessions: Sessions
    people: People
    policy: GrantPolicy = field(default_factory=GrantPolicy)


@dataclass(frozen=True, slots=True)
class Engine:
    clients: ClientStore
    issuers: IssuerLookup
    tokens: TokenStore
    hasher: KeyedHasher
    limiter: FailureLimiter
    clock: Callable[[], float] = field(default=time.time)
    interactive: InteractivePorts | None = None
    # Access tokens already verified in this process (signature and parse skipped on a hit).
    verified: VerifiedTokens = field(default_factory=VerifiedTokens)
    # Tags access-token jtis for their issuer, client and expiry (see bastion.oauth.jti).
    jti_tags: JtiTags = field(default_factory=JtiTags.ephemeral)

    @property
    def ports(self) -> InteractivePorts:
        if self.interactive is None:
            raise ServerError("end-user grants are not configured")
        return self.interactive

    @property
    def client_auth(self) -> ClientAuthDeps:
        return ClientAuthDeps(clients=self.clients, hasher=self.hasher, limiter=self.limiter)


@dataclass(frozen=True, slots=True)
class EndpointRequest:
    """A token, introspection or revocation request, already decoded by a face."""

    params: Params
    credentials: ClientCredentials
    remote_addr: str | None = None
