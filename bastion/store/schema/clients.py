"""OAuth clients of an app: confidential (machine-to-machine, web) and public (native, SPA, CLI)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bastion.store.schema.base import ID, AppOwned, Base, Timestamps
from bastion.store.types import utcnow


class OAuthClient(AppOwned, Timestamps, Base):
    __tablename__ = "oauth_clients"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(128), unique=True)
    # Clients are listed per app, so this one gets an index.
    app_id: Mapped[str] = mapped_column(ID, ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    client_type: Mapped[str] = mapped_column(String(16))
    # HMAC-SHA256 of the secret under the server pepper; never the secret itself.
    secret_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    secret_hint: Mapped[str | None] = mapped_column(String(32))
    grant_types: Mapped[list[str]]
    scopes: Mapped[list[str]]
    default_scopes: Mapped[list[str]]
    audiences: Mapped[list[str]]
    redirect_uris: Mapped[list[str]]
    post_logout_redirect_uris: Mapped[list[str]]
    require_pkce: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    secret_rotated_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
