"""The `bastion` command line: configuration errors, idempotent bootstrap, the key file."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

from tests.support.live import base_env, run_cli


def env_for(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    return base_env(tmp_path, database_url, 8080, **extra)


def test_bootstrap_is_idempotent(tmp_path: Path, new_database_url: Callable[[], str]) -> None:
    env = env_for(tmp_path, new_database_url())
    run_cli(env, "migrate")
    run_cli(env, "migrate")  # a second run is a no-op
    first = json.loads(run_cli(env, "bootstrap", "--json").stdout)
    second = json.loads(run_cli(env, "bootstrap", "--json").stdout)
    assert first == second
    assert first["issuer"] == "http://127.0.0.1:8080/demo"
    assert first["platform_issuer"] == "http://127.0.0.1:8080/api/v1/oidc"
    assert first["m2m_client_id"].startswith("m2m_")
    assert first["m2m_client_secret"].startswith("bas_cs_")
    listed = json.loads(run_cli(env, "clients", "list", "--app", "demo").stdout)
    assert len(listed) == 1  # not duplicated by the second run


def test_bootstrap_stops_printing_a_rotated_demo_secret(
    tmp_path: Path, new_database_url: Callable[[], str]
) -> None:
    env = env_for(tmp_path, new_database_url())
    run_cli(env, "migrate")
    boot = json.loads(run_cli(env, "bootstrap", "--json").stdout)
    run_cli(env, "clients", "rotate-secret", "--app", "demo", boot["m2m_client_id"])
    again = json.loads(run_cli(env, "bootstrap", "--json").stdout)
    assert again["m2m_client_secret"] is None


def test_commands_refuse_an_old_schema(tmp_path: Path, new_database_url: Callable[[], str]) -> None:
    env = env_for(tmp_path, new_database_url())
    result = run_cli(env, "bootstrap", check=False)
    assert result.returncode == 2
    assert "run `bastion migrate` first" in result.stderr


def test_bad_settings_are_named_with_what_would_be_accepted(tmp_path: Path) -> None:
    env = env_for(
        tmp_path,
        "sqlite:///" + str(tmp_path / "x.db"),
        BASTION_PUBLIC_URL="ftp://example.com/path",
        BASTION_PORT="99999",
        BASTION_DATABSE_URL="typo",
        BASTION_MASTER_KEY="too-short-secret-value",
    )
    result = run_cli(env, "migrate", check=False)
    assert result.returncode == 2
    assert "BASTION_PUBLIC_URL='ftp://example.com/path': must be an absolute http(s) URL" in (
        result.stderr
    )
    assert "BASTION_PORT='99999'" in result.stderr
    assert "BASTION_DATABSE_URL: unknown setting (did you mean BASTION_DATABASE_URL?)" in (
        result.stderr
    )
    bad_key = run_cli(
        env_for(tmp_path, "sqlite:///" + str(tmp_path / "y.db"), BASTION_MASTER_KEY="short"),
        "bootstrap",
        check=False,
    )
    assert bad_key.returncode == 2
    assert "BASTION_MASTER_KEY" in bad_key.stderr
    assert "short" not in bad_key.stderr.replace("BASTION_MASTER_KEY", "")


def test_embedded_mode_generates_a_private_master_key_file(tmp_path: Path) -> None:
    env = env_for(tmp_path, "")
    del env["BASTION_MASTER_KEY"]
    env.pop("BASTION_DATABASE_URL")
    run_cli(env, "migrate")
    boot = json.loads(run_cli(env, "bootstrap", "--json").stdout)
    key_file = tmp_path / "master.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (tmp_path / "bastion.db").exists()
    assert boot["m2m_client_secret"]
    # A key file others can read is refused, with the fix in the message.
    key_file.chmod(0o644)
    result = run_cli(env, "bootstrap", check=False)
    assert result.returncode == 2
    assert "600" in result.stderr


def test_postgres_without_a_master_key_is_refused(tmp_path: Path) -> None:
    env = env_for(tmp_path, "postgresql://u@127.0.0.1:1/db")
    del env["BASTION_MASTER_KEY"]
    result = run_cli(env, "bootstrap", check=False)
    assert result.returncode == 2
    assert "BASTION_MASTER_KEY is required with PostgreSQL" in result.stderr


def test_config_lists_settings_and_masks_secrets(tmp_path: Path) -> None:
    env = env_for(tmp_path, "sqlite:///" + str(tmp_path / "c.db"))
    out = run_cli(env, "config").stdout
    assert "BASTION_PUBLIC_URL=http://127.0.0.1:8080" in out
    assert "BASTION_MASTER_KEY=<set>" in out
    assert env["BASTION_MASTER_KEY"] not in out
