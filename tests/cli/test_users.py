"""`bastion users create`: operator-made accounts that can sign in at once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from bastion.container import Container
from bastion.services.tenancy import get_app
from bastion.settings import Settings
from tests.support.live import base_env, run_cli


async def sign_in(env: dict[str, str], identifier: str, password: str) -> str:
    container = Container.build(Settings.from_env(env), pool_size=2)
    try:
        app = await container.users.app((await get_app(container.db, "demo")).id)
        return (await container.users.sign_in(app, identifier, password, "127.0.0.1")).id
    finally:
        await container.close()


async def test_a_created_user_signs_in_with_the_password_from_stdin(
    tmp_path: Path, new_database_url: Callable[[], str]
) -> None:
    env = base_env(tmp_path, new_database_url(), 8080)
    run_cli(env, "migrate")
    run_cli(env, "bootstrap")
    made = json.loads(
        run_cli(
            env,
            "users",
            "create",
            "--app",
            "demo",
            "--username",
            "Load-Tester",
            "--email",
            "Load@Example.com",
            "--password-stdin",
            stdin="correct horse battery staple\n",
        ).stdout
    )
    assert made["username"] == "load-tester" and made["email"] == "load@example.com"
    assert made["email_verified"] is True and "password" not in made
    assert await sign_in(env, "load-tester", "correct horse battery staple") == made["id"]
    assert await sign_in(env, "LOAD@example.com", "correct horse battery staple") == made["id"]


async def test_a_generated_password_is_printed_once_and_works(
    tmp_path: Path, new_database_url: Callable[[], str]
) -> None:
    env = base_env(tmp_path, new_database_url(), 8080)
    run_cli(env, "migrate")
    run_cli(env, "bootstrap")
    made = json.loads(run_cli(env, "users", "create", "--app", "demo", "--username", "bot").stdout)
    assert len(made["password"]) >= 20 and made["email"] is None
    assert await sign_in(env, "bot", made["password"]) == made["id"]


def test_taken_names_weak_passwords_and_unknown_apps_are_refused(
    tmp_path: Path, new_database_url: Callable[[], str]
) -> None:
    env = base_env(tmp_path, new_database_url(), 8080)
    run_cli(env, "migrate")
    run_cli(env, "bootstrap")  # the demo user is "demo", demo@example.com

    def create(*args: str, password: str = "a long enough password") -> tuple[int, str]:
        done = run_cli(
            env, "users", "create", *args, "--password-stdin", stdin=password, check=False
        )
        return done.returncode, done.stderr

    assert create("--app", "demo", "--username", "demo") == (
        2,
        "bastion: An account with that username or email already exists.\n",
    )
    code, err = create("--app", "demo", "--username", "other", "--email", "DEMO@example.com")
    assert code == 2 and "already exists" in err
    code, err = create("--app", "demo", "--username", "short-pw", password="2short")
    assert code == 2 and "at least" in err
    code, err = create("--app", "demo", "--username", "x")
    assert code == 2 and "Usernames are 3 to 64 characters" in err
    code, err = create("--app", "nowhere", "--username", "someone")
    assert code == 2 and "no app 'nowhere'" in err
