"""Rate limits on guessing: per account and per address on sign-in, per address on sign-up,
code entry and the token endpoint; 429 with Retry-After, the same for unknown accounts."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.integration.flows import CodeFlow, Person, demo_login
from tests.support.live import LiveServer


@pytest.fixture(scope="module")
def strict(make_live_server: Callable[..., LiveServer]) -> LiveServer:
    return make_live_server(
        BASTION_SIGNIN_FAILURE_LIMIT="3",
        BASTION_IP_FAILURE_LIMIT="9",
        BASTION_SIGNUP_LIMIT="2",
        BASTION_CLIENT_AUTH_FAILURE_LIMIT="4",
    )


def login_page(server: LiveServer, person: Person) -> str:
    return str(person.authorize(**CodeFlow(server).params).headers["location"])


def test_sign_in_locks_the_account_then_the_address(strict: LiveServer) -> None:
    person = Person(strict)
    login = login_page(strict, person)
    user, password = demo_login(strict)
    for names in ((user, "demo@example.com", user), ("ghost-account",) * 3):
        for name in names:  # an account's email and username share one lock
            assert person.sign_in(login, name, "wrong password").status_code == 401
        locked = person.sign_in(login, names[1], password if names[0] == user else "x")
        assert locked.status_code == 429, names
        assert int(locked.headers["retry-after"]) > 0
    # Six failures so far from this address; three more accounts tried once each fill it up.
    for name in ("a-one", "a-two", "a-three"):
        assert person.sign_in(login, name, "wrong password").status_code == 401
    blocked = person.sign_in(login, "a-four", "wrong password")
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    device = person.submit("/oidc/device", user_code="BBBB-CCCC")
    assert device.status_code == 429


def test_sign_ups_per_address(strict: LiveServer) -> None:
    person = Person(strict)
    login = login_page(strict, person)
    statuses = []
    for n in range(3):
        page = person.submit(
            f"{login}/signup", email=f"rate{n}@example.com", password="long enough password"
        )
        statuses.append(page.status_code)
    assert statuses == [200, 200, 429]


def test_token_endpoint_limits_guessing(strict: LiveServer) -> None:
    client_id = str(strict.bootstrap["public_client_id"])
    form = {
        "grant_type": "authorization_code",
        "code": "bas_ac_guess",
        "redirect_uri": str(strict.bootstrap["redirect_uri"]),
        "client_id": client_id,
        "code_verifier": "x" * 43,
    }
    answers = [httpx.post(f"{strict.issuer}/token", data=form) for _ in range(5)]
    assert [a.status_code for a in answers[:4]] == [400] * 4
    assert answers[4].status_code == 429
    assert int(answers[4].headers["retry-after"]) > 0
