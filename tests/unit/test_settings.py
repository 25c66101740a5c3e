"""Settings from BASTION_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.settings import Settings, SettingsError


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.public_url == "http://127.0.0.1:8080"
    assert settings.platform_issuer == "http://127.0.0.1:8080/api/v1/oidc"
    assert settings.app_issuer("demo") == "http://127.0.0.1:8080/demo"
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.effective_database_url.endswith("/data/bastion.db")
    assert settings.is_sqlite


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://ID.Example.com", "https://id.example.com"),
        ("https://id.example.com/", "https://id.example.com"),
        ("https://id.example.com:443", "https://id.example.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_public_url_is_normalised_to_an_origin(raw: str, expected: str) -> None:
    assert Settings.from_env({"BASTION_PUBLIC_URL": raw}).public_url == expected


@pytest.mark.parametrize(
    "raw", ["ftp://x", "https://x/path", "https://x?q=1", "not a url", "https://"]
)
def test_bad_public_urls_are_refused(raw: str) -> None:
    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"BASTION_PUBLIC_URL": raw})
    assert excinfo.value.problems[0].startswith("BASTION_PUBLIC_URL=")


def test_database_urls_pick_async_drivers(tmp_path: Path) -> None:
    pg = Settings.from_env({"BASTION_DATABASE_URL": "postgres://u:p@h/db"})
    assert pg.effective_database_url == "postgresql+asyncpg://u:p@h/db"
    assert not pg.is_sqlite
    lite = Settings.from_env({"BASTION_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert lite.effective_database_url == f"sqlite+aiosqlite:///{tmp_path}/x.db"
    inline = Settings.from_env(
        {"BASTION_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "BASTION_SQLITE_DRIVER": "inline"}
    )
    assert inline.effective_database_url == f"sqlite+bastion_inline:///{tmp_path}/x.db"
    with pytest.raises(SettingsError):
        Settings.from_env({"BASTION_DATABASE_URL": "mysql://x"})


def test_every_problem_is_reported_at_once_and_secrets_are_hidden() -> None:
    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env(
            {
                "BASTION_PORT": "0",
                "BASTION_WORKERZ": "2",
                "BASTION_LOG_LEVEL": "loud",
                "BASTION_ACCESS_TOKEN_TTL": "5",
                "OTHER_VAR": "ignored",
            }
        )
    problems = excinfo.value.problems
    assert len(problems) == 4
    assert any("did you mean BASTION_WORKERS" in p for p in problems)
    describe = Settings.from_env({"BASTION_MASTER_KEY": "s3cret"}).describe()
    assert describe[3][:2] == ("BASTION_MASTER_KEY", "<set>")
    assert "s3cret" not in repr(Settings.from_env({"BASTION_MASTER_KEY": "s3cret"}))


def test_public_url_follows_host_and_port_unless_set() -> None:
    assert Settings.from_env({"BASTION_PORT": "9000"}).public_url == "http://127.0.0.1:9000"
    everywhere = Settings.from_env({"BASTION_HOST": "0.0.0.0", "BASTION_PORT": "80"})
    assert everywhere.public_url == "http://127.0.0.1"
    explicit = Settings.from_env({"BASTION_PORT": "9000", "BASTION_PUBLIC_URL": "https://id.x"})
    assert explicit.public_url == "https://id.x"
    assert explicit.platform_issuer == "https://id.x/api/v1/oidc"
