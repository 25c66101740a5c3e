"""Grant artifacts: authorization codes, device codes, consents, opaque tokens, revoked JWTs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bastion.store.schema.base import ID, AppOwned, Base, Timestamps
from bastion.store.types import utcnow


class AuthorizationCode(AppOwned, Timestamps, Base):
    __tablename__ = "authorization_codes"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    issuer_id: Mapped[str] = mapped_column(ID, ForeignKey("issuers.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(128))
    session_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(255))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scope: Mapped[str] = mapped_column(String(2000), default="")
    nonce: Mapped[str | None] = mapped_column(String(500))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(16))
    audiences: Mapped[list[str]]
    auth_time: Mapped[datetime]
    amr: Mapped[list[str]]
    # Every token issued from this code carries this id, so a replay can revoke them all.
    grant_id: Mapped[str] = mapped_column(ID, index=True)
    issued_jti: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]


class DeviceCode(AppOwned, Timestamps, Base):
    __tablename__ = "device_codes"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    user_code: Mapped[str] = mapped_column(String(16), unique=True)  # normalised A-Z0-9
    issuer_id: Mapped[str] = mapped_column(ID, ForeignKey("issuers.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(128))
    scope: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    subject: Mapped[str | None] = mapped_column(String(255))
    session_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("sessions.id", ondelete="SET NULL")
    )
    interval: Mapped[int] = mapped_column(Integer, default=5)
    last_polled_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]


class Consent(AppOwned, Timestamps, Base):
    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("app_id", "end_user_id", "client_id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    end_user_id: Mapped[str] = mapped_column(ID, ForeignKey("end_users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(128))
    scopes: Mapped[list[str]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OpaqueToken(AppOwned, Timestamps, Base):
    """Opaque bearer credentials other than refresh tokens (e.g. ``pmth_`` signer sessions)."""

    __tablename__ = "opaque_tokens"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    issuer_id: Mapped[str] = mapped_column(ID, ForeignKey("issuers.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(128))
    subject: Mapped[str] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(2000), default="")
    audiences: Mapped[list[str]]
    claims: Mapped[dict[str, Any]] = mapped_column(default=dict)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class RevokedJwt(Base):
    """Deny-list of JWT access tokens revoked before they expire (pruned after ``expires_at``)."""

    __tablename__ = "revoked_jwts"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ID, ForeignKey("issuers.id", ondelete="CASCADE"))
    workspace_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime] = mapped_column(default=utcnow)
