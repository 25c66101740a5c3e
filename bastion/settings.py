"""One frozen, typed settings object, read from ``BASTION_*`` environment variables.

Every option has a default and a description here; `bastion config` prints them. Unknown
``BASTION_*`` variables are a start-up error (a typo must not silently fall back to a default),
and every bad value is reported with the variable's name and what would be accepted.
Secret values are held as :class:`pydantic.SecretStr` so they never appear in logs or reprs.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

ENV_PREFIX = "BASTION_"
SECRET_FIELDS = frozenset({"master_key", "smtp_url"})
SqliteDriver = Literal["aiosqlite", "inline"]
DEFAULT_SQLITE_DRIVER: SqliteDriver = "aiosqlite"


class LogFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


class ServerStack(StrEnum):
    UVICORN = "uvicorn"
    GRANIAN = "granian"


class SigningAlgSetting(StrEnum):
    RS256 = "RS256"
    ES256 = "ES256"
    EdDSA = "EdDSA"


class SettingsError(ValueError):
    """Raised with one line per bad or unknown variable."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n  " + "\n  ".join(problems))


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path = Field(
        Path("./data"),
        description="Directory for the embedded SQLite database, the generated master key "
        "and other local state.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL. Default: SQLite at <data_dir>/bastion.db. "
        "Use postgresql://user:pass@host/db (the asyncpg driver is selected for you).",
    )
    public_url: str = Field(
        "",
        description="The origin clients reach Bastion at; issuer URLs are built from it "
        "(<public_url>/<app-slug>, <public_url>/api/v1/oidc). Default: http://<host>:<port> "
        "(127.0.0.1 when listening on every interface). Set it behind a proxy or TLS.",
    )
    master_key: SecretStr | None = Field(
        None,
        description="32 random bytes, base64 or base64url, that encrypt signing keys at rest. "
        "Without it a key file is generated under <data_dir> with 0600 permissions.",
    )
    log_level: str = Field("info", description="debug, info, warning or error.")
    log_format: LogFormat = Field(LogFormat.JSON, description="json (one object per line) or text.")
    host: str = Field("127.0.0.1", description="Interface `bastion serve` listens on.")
    port: int = Field(8080, ge=1, le=65535, description="Port `bastion serve` listens on.")
    workers: int = Field(1, ge=1, le=64, description="Worker processes for `bastion serve`.")
    server: ServerStack = Field(
        ServerStack.UVICORN,
        description="HTTP server of `bastion serve`: uvicorn (with uvloop and httptools, each "
        "response written once) or granian. bench/results/ holds the measurements behind the "
        "default.",
    )
    default_signing_alg: SigningAlgSetting = Field(
        SigningAlgSetting.RS256, description="Algorithm of new issuers' keys: RS256, ES256, EdDSA."
    )
    access_token_ttl: int = Field(
        3600, ge=60, le=86400, description="Lifetime of JWT access tokens, in seconds."
    )
    signer_session_ttl: int = Field(
        7_776_000, ge=60, description="Lifetime of opaque signer sessions (pmth_), in seconds."
    )
    key_cache_ttl: float = Field(
        300.0,
        gt=0,
        le=3600,
        description="Longest time a node serves signing keys or clients from its cache "
        "without re-reading them; change events normally invalidate caches sooner.",
    )
    invalidation_poll_interval: float = Field(
        1.0, gt=0, le=60, description="How often each node polls for cache invalidation events."
    )
    max_body_bytes: int = Field(
        65_536, ge=1024, le=16 * 1024 * 1024, description="Largest request body accepted (413)."
    )
    client_auth_failure_limit: int = Field(
        20,
        ge=1,
        description="Failed client authentications allowed per client id and per IP in "
        "one window before the token, introspection and revocation endpoints answer 429.",
    )
    client_auth_failure_window: float = Field(
        60.0, gt=0, description="Window of the failure limit above, in seconds."
    )
    demo: bool = Field(
        True,
        description="Let `bastion bootstrap` create the demo workspace, app and clients.",
    )
    sqlite_driver: SqliteDriver = Field(
        DEFAULT_SQLITE_DRIVER,
        description="How the embedded SQLite database is driven: 'aiosqlite' runs every "
        "statement on a driver thread; 'inline' runs them on the event loop (no thread "
        "hand-offs, about 3x less CPU per transaction; a write waiting for the lock still "
        "yields the loop). Ignored with PostgreSQL.",
    )
    # Interactive sign-in (see README "Signing people in").
    argon2_memory_kib: int = Field(
        19456,
        ge=19456,
        le=4 * 1024 * 1024,
        description="Argon2id memory cost for end-user passwords, in KiB (OWASP minimum 19456). "
        "Stored hashes made with other parameters are re-hashed at the next sign-in.",
    )
    argon2_time_cost: int = Field(
        2, ge=2, le=20, description="Argon2id iterations (OWASP minimum 2)."
    )
    argon2_parallelism: int = Field(1, ge=1, le=16, description="Argon2id lanes (OWASP minimum 1).")
    argon2_threads: int | None = Field(
        None,
        ge=1,
        le=64,
        description="Password hashes computed at once per worker process (each on its own "
        "thread, holding argon2_memory_kib while it runs); more wait their turn. Default: the "
        "CPU cores this process may use, shared among the `workers` (at least 1): more threads "
        "than cores hash no faster and only hold more memory.",
    )
    password_min_length: int = Field(
        10,
        ge=8,
        le=128,
        description="Default minimum password length; an app's config key "
        "`password_min_length` overrides it (never below 8).",
    )
    session_ttl: int = Field(
        14 * 86400,
        ge=300,
        description="Lifetime of a sign-in session (and of the refresh tokens it owns), seconds.",
    )
    refresh_token_ttl: int = Field(
        30 * 86400,
        ge=300,
        description="Longest lifetime of one refresh token, seconds (capped by its session).",
    )
    refresh_reuse_grace: float = Field(
        60.0,
        ge=0,
        le=300,
        description="Seconds during which a just-rotated refresh token may be presented again "
        "(concurrent refreshes) without the whole family being revoked as a replay.",
    )
    authorization_code_ttl: int = Field(
        60, ge=10, le=600, description="Lifetime of an authorization code, seconds."
    )
    interaction_ttl: int = Field(
        1800, ge=60, le=86400, description="Time a person has to finish a hosted sign-in, seconds."
    )
    device_code_ttl: int = Field(
        600, ge=5, le=3600, description="Lifetime of a device code (RFC 8628), seconds."
    )
    device_poll_interval: int = Field(
        5, ge=1, le=60, description="Minimum seconds between device token polls (RFC 8628 §3.5)."
    )
    one_time_code_ttl: int = Field(
        600, ge=60, le=3600, description="Lifetime of emailed one-time codes, seconds."
    )
    signin_failure_limit: int = Field(
        5,
        ge=1,
        description="Failed sign-ins (or code entries) per account in one window before it is "
        "locked for the rest of the window (429 with Retry-After).",
    )
    signin_failure_window: float = Field(
        900.0, gt=0, description="Window of the per-account failure limit, seconds."
    )
    ip_failure_limit: int = Field(
        50,
        ge=1,
        description="Failed sign-ins, sign-ups, code entries and grant attempts per IP address "
        "in one window before that address gets 429.",
    )
    ip_failure_window: float = Field(
        600.0, gt=0, description="Window of the per-IP limit, seconds."
    )
    signup_limit: int = Field(
        20, ge=1, description="Sign-ups (and mails sent) per IP address in one window."
    )
    smtp_url: SecretStr | None = Field(
        None,
        description="Mail server: smtp://user:pass@host:587 (STARTTLS when offered), "
        "smtps://… (TLS from the start) or smtp://host:25?tls=none. "
        "Unset: mail goes to the outbox (`bastion mail outbox`) and a log line.",
    )
    mail_from: str = Field(
        "Bastion <no-reply@localhost>", description="From header of the mail Bastion sends."
    )

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str) -> str:
        if value == "":
            return value
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an absolute http(s) URL such as https://id.example.com")
        if parts.query or parts.fragment:
            raise ValueError("must not carry a query or fragment")
        if parts.path not in ("", "/"):
            raise ValueError("must be an origin without a path, such as https://id.example.com")
        host = parts.hostname.lower()
        netloc = f"[{host}]" if ":" in host else host
        default_port = {"http": 80, "https": 443}[parts.scheme]
        if parts.port is not None and parts.port != default_port:
            netloc += f":{parts.port}"
        return f"{parts.scheme}://{netloc}"

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme in ("postgres", "postgresql", "postgresql+asyncpg"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if scheme in ("sqlite", "sqlite+aiosqlite"):
            return "sqlite+aiosqlite://" + value.split("://", 1)[1]
        raise ValueError(
            "must start with sqlite:// or postgresql:// "
            "(for example postgresql://bastion:secret@db:5432/bastion)"
        )

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        parts = urlsplit(value.get_secret_value())
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("must look like smtp://user:pass@host:587 or smtps://host:465")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        value = value.lower()
        if value not in ("debug", "info", "warning", "error"):
            raise ValueError("must be one of debug, info, warning, error")
        return value

    @model_validator(mode="after")
    def _default_public_url(self) -> Settings:
        if self.public_url == "":
            host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104
            host = f"[{host}]" if ":" in host else host
            origin = self._check_public_url(f"http://{host}:{self.port}")
            object.__setattr__(self, "public_url", origin)
        return self

    @property
    def effective_database_url(self) -> str:
        url = self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'bastion.db').resolve()}"
        if self.sqlite_driver == "inline" and url.startswith("sqlite+aiosqlite://"):
            return "sqlite+bastion_inline://" + url.split("://", 1)[1]
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        """Cookies are marked Secure whenever Bastion is reached over HTTPS."""
        return self.public_url.startswith("https://")

    @property
    def platform_issuer(self) -> str:
        return f"{self.public_url}/api/v1/oidc"

    def app_issuer(self, slug: str) -> str:
        return f"{self.public_url}/{slug}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``BASTION_*`` variables, reporting every problem at once."""
        env = os.environ if environ is None else environ
        fields = cls.model_fields
        values: dict[str, Any] = {}
        problems: list[str] = []
        for name, raw in env.items():
            if not name.startswith(ENV_PREFIX):
                continue
            key = name[len(ENV_PREFIX) :].lower()
            if key not in fields:
                known = [ENV_PREFIX + f.upper() for f in fields]
                hint = difflib.get_close_matches(name, known, n=1)
                problems.append(
                    f"{name}: unknown setting" + (f" (did you mean {hint[0]}?)" if hint else "")
                )
                continue
            values[key] = raw
        try:
            settings = cls.model_validate(values)
        except ValidationError as exc:
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else "?"
                shown = "<hidden>" if field in SECRET_FIELDS else repr(values.get(field))
                msg = str(err["msg"]).removeprefix("Value error, ")
                problems.append(f"{ENV_PREFIX}{field.upper()}={shown}: {msg}")
            raise SettingsError(problems) from None
        if problems:
            raise SettingsError(problems)
        return settings

    def describe(self) -> list[tuple[str, str, str]]:
        """(variable, current value, description) rows, secrets masked."""
        rows = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            shown = "<set>" if isinstance(value, SecretStr) else str(value)
            rows.append((ENV_PREFIX + name.upper(), shown, field.description or ""))
        return rows
