"""Client authentication at the token, introspection and revocation endpoints
(RFC 6749 §2.3.1, §3.2.1; RFC 7591 §2 method names).

Secrets are compared as keyed hashes in constant time. Unknown clients, wrong secrets, inactive
clients and clients of another app all get the same ``invalid_client`` answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from bastion.crypto.secrets import KeyedHasher
from bastion.oauth.errors import InvalidClient, InvalidRequest, TooManyRequests
from bastion.oauth.models import Client, ClientCredentials, IssuerContext
from bastion.oauth.ports import ClientStore, FailureLimiter

_DUMMY_DIGEST = b"\x00" * 32


@dataclass(frozen=True, slots=True)
class ClientAuthDeps:
    clients: ClientStore
    hasher: KeyedHasher
    limiter: FailureLimiter


async def authenticate_client(
    creds: ClientCredentials,
    ctx: IssuerContext,
    deps: ClientAuthDeps,
    *,
    remote_addr: str | None,
    allow_public: bool,
) -> Client:
    if creds.client_id is None:
        raise InvalidClient("client authentication is required", used_basic=False)
    used_basic = creds.method == "client_secret_basic"
    keys = [("client", ctx.id, creds.client_id), ("ip", remote_addr or "?")]
    retry_after = deps.limiter.retry_after(keys)
    if retry_after is not None:
        raise TooManyRequests(
            "too many failed client authentications; try again later", retry_after=retry_after
        )
    client = await deps.clients.get_client(creds.client_id)
    if creds.method == "none":
        public_ok = client is not None and allow_public and not client.confidential
        if public_ok and client is not None and client.active and ctx.accepts(client):
            return client
        if client is not None and client.confidential:
            deps.limiter.record_failure(keys)
            raise InvalidClient("this client must authenticate", used_basic=False)
        deps.limiter.record_failure(keys)
        raise InvalidClient("client authentication failed", used_basic=False)
    secret = creds.client_secret or ""
    digest = client.secret_digest if client is not None else None
    # Always compute the keyed hash so unknown clients cost the same as known ones.
    ok = deps.hasher.matches(secret, digest or _DUMMY_DIGEST) and digest is not None
    if not ok or client is None or not client.active or not ctx.accepts(client):
        deps.limiter.record_failure(keys)
        raise InvalidClient("client authentication failed", used_basic=used_basic)
    return client


def check_single_method(has_basic: bool, has_post_secret: bool) -> None:
    """RFC 6749 §2.3: a client must not use more than one authentication method."""
    if has_basic and has_post_secret:
        raise InvalidRequest("use either HTTP Basic or client_secret in the body, not both")
