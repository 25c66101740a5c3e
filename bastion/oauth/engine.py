"""The engine's dependencies in one value, and the request shape endpoints share."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bastion.crypto.secrets import KeyedHasher
from bastion.oauth.client_auth import ClientAuthDeps
from bastion.oauth.models import ClientCredentials
from bastion.oauth.params import Params
from bastion.oauth.ports import ClientStore, FailureLimiter, IssuerLookup, TokenStore


@dataclass(frozen=True, slots=True)
class Engine:
    clients: ClientStore
    issuers: IssuerLookup
    tokens: TokenStore
    hasher: KeyedHasher
    limiter: FailureLimiter
    clock: Callable[[], float] = field(default=time.time)

    @property
    def client_auth(self) -> ClientAuthDeps:
        return ClientAuthDeps(clients=self.clients, hasher=self.hasher, limiter=self.limiter)


@dataclass(frozen=True, slots=True)
class EndpointRequest:
    """A token, introspection or revocation request, already decoded by a face."""

    params: Params
    credentials: ClientCredentials
    remote_addr: str | None = None
