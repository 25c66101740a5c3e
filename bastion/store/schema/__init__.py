"""The one schema. Every tenant-owned table carries ``workspace_id`` (and ``app_id`` where the
row belongs to an app); :mod:`bastion.store.scoping` is the single place that filters on them."""

from bastion.store.schema.apps import App, Issuer, SigningKey
from bastion.store.schema.base import Base
from bastion.store.schema.clients import OAuthClient
from bastion.store.schema.events import AuditEvent, ChangeEvent
from bastion.store.schema.grants import (
    AuthorizationCode,
    Consent,
    DeviceCode,
    OpaqueToken,
    RevokedJwt,
)
from bastion.store.schema.sessions import RefreshToken, Session
from bastion.store.schema.tenancy import Account, Membership, Workspace
from bastion.store.schema.users import EndUser, FederatedIdentity

__all__ = [
    "Account",
    "App",
    "AuditEvent",
    "AuthorizationCode",
    "Base",
    "ChangeEvent",
    "Consent",
    "DeviceCode",
    "EndUser",
    "FederatedIdentity",
    "Issuer",
    "Membership",
    "OAuthClient",
    "OpaqueToken",
    "RefreshToken",
    "RevokedJwt",
    "Session",
    "SigningKey",
    "Workspace",
]
