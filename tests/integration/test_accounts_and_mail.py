"""Sign-up, email verification and password reset with mail delivered over SMTP to a real
server (aiosmtpd on 127.0.0.1); the embedded outbox; and no account enumeration."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.integration.flows import CodeFlow, Person, csrf_of, demo_login, query_of
from tests.support.live import LiveServer
from tests.support.smtp import SmtpServer, code_in, code_in_text

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mail_server(make_live_server: Callable[..., LiveServer], smtp: SmtpServer) -> LiveServer:
    return make_live_server(BASTION_SMTP_URL=smtp.url, BASTION_MAIL_FROM="Demo <id@demo.test>")


def new_email() -> str:
    return f"user-{secrets.token_hex(4)}@example.com"


def start_sign_up(server: LiveServer, email: str, **fields: str) -> tuple[Person, str, Any]:
    person = Person(server)
    login = person.authorize(**CodeFlow(server).params).headers["location"]
    form = {"email": email, "password": PASSWORD, "username": "", "name": "", **fields}
    page = person.submit(f"{login}/signup", **form)
    return person, login, page


def test_sign_up_verify_and_continue_to_the_client(
    mail_server: LiveServer, smtp: SmtpServer
) -> None:
    email = new_email()
    person, login, page = start_sign_up(mail_server, email, name="Ada")
    assert page.status_code == 200 and "Check your email" in page.text
    message = smtp.inbox.wait_for(email, "your code to")
    assert message["From"] == "Demo <id@demo.test>"
    assert code_in(message) not in str(message["Subject"])
    wrong = person.http.post(
        f"{login}/verify",
        data={"csrf": csrf_of(page.text), "email": email, "code": "000000"},
    )
    assert wrong.status_code == 401
    right = person.http.post(
        f"{login}/verify",
        data={"csrf": csrf_of(page.text), "email": email, "code": code_in(message)},
    )
    assert right.status_code == 303 and right.headers["location"].endswith("/consent")
    done = person.consent(right)
    assert "code" in query_of(done.headers["location"])
    # The account now signs in with its password.
    again = Person(mail_server)
    login2 = again.authorize(**CodeFlow(mail_server).params).headers["location"]
    signed = again.sign_in(login2, email, PASSWORD)
    assert signed.status_code == 303


def test_sign_up_with_a_taken_email_looks_the_same(
    mail_server: LiveServer, smtp: SmtpServer
) -> None:
    """No enumeration: the page is the same; the owner gets a notice, not a code."""
    _, _, fresh = start_sign_up(mail_server, new_email())
    _, _, taken = start_sign_up(mail_server, "demo@example.com")
    assert taken.status_code == fresh.status_code == 200
    assert _strip(taken.text) == _strip(fresh.text).replace(
        _email_in(fresh.text), "demo@example.com"
    )
    notice = smtp.inbox.wait_for("demo@example.com", "already have an account")
    assert not any(ch.isdigit() for ch in str(notice["Subject"]))


def test_weak_password_and_bad_email_are_refused(mail_server: LiveServer) -> None:
    _, _, short = start_sign_up(mail_server, new_email(), password="short")
    assert short.status_code == 400 and "at least 10 characters" in short.text
    _, _, same = start_sign_up(mail_server, "same@example.com", password="same@example.com")
    assert same.status_code == 400
    _, _, bad = start_sign_up(mail_server, "not-an-email")
    assert bad.status_code == 400


def test_password_reset_by_code_revokes_sessions(mail_server: LiveServer, smtp: SmtpServer) -> None:
    email = new_email()
    person, login, page = start_sign_up(mail_server, email)
    code = code_in(smtp.inbox.wait_for(email, "your code to"))
    person.http.post(
        f"{login}/verify", data={"csrf": csrf_of(page.text), "email": email, "code": code}
    )
    # Someone who forgot the password asks for a reset from another browser.
    other = Person(mail_server)
    login2 = other.authorize(**CodeFlow(mail_server).params).headers["location"]
    confirm = other.submit(f"{login2}/reset", identifier=email)
    unknown = other.submit(f"{login2}/reset", identifier="nobody-" + email)
    assert confirm.status_code == unknown.status_code == 200
    assert _strip(confirm.text).replace(email, "X") == _strip(unknown.text).replace(
        "nobody-" + email, "X"
    )
    reset_code = code_in(smtp.inbox.wait_for(email, "your code to"))
    assert smtp.inbox.for_address("nobody-" + email) == []
    new_password = "a brand new passphrase"
    changed = other.http.post(
        f"{login2}/reset/confirm",
        data={
            "csrf": csrf_of(confirm.text),
            "identifier": email,
            "code": reset_code,
            "password": new_password,
        },
    )
    assert changed.status_code == 200 and "signed out everywhere" in changed.text
    # The first browser's session is gone: prompt=none now needs a login.
    silent = person.authorize(**{**CodeFlow(mail_server).params, "prompt": "none"})
    assert query_of(silent.headers["location"])["error"] == "login_required"
    assert other.sign_in(login2, email, new_password).status_code == 303
    assert other.sign_in(login2, email, PASSWORD).status_code in (401, 404)


def test_wrong_password_and_unknown_user_get_the_same_answer(live_server: LiveServer) -> None:
    person = Person(live_server)
    login = person.authorize(**CodeFlow(live_server).params).headers["location"]
    user, _ = demo_login(live_server)
    wrong = person.sign_in(login, user, "not the password")
    unknown = person.sign_in(login, "nobody-here", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert _strip(wrong.text).replace(user, "X") == _strip(unknown.text).replace("nobody-here", "X")


def test_outbox_keeps_mail_without_smtp(live_server: LiveServer) -> None:
    email = new_email()
    start_sign_up(live_server, email)
    messages = []
    for _ in range(50):
        messages = [m for m in live_server.cli_json("mail", "outbox", "--json") if m["to"] == email]
        if messages:
            break
        time.sleep(0.2)
    assert messages and "your code to" in messages[0]["subject"]
    code = code_in_text(messages[0]["body"])
    assert code not in messages[0]["subject"]
    log = live_server.log_text()
    assert "outbox" in log and email not in log and code not in log


def _strip(html: str) -> str:
    """The page without its per-browser tokens and ids."""
    html = re.sub(r'name="csrf" value="[^"]+"', "", html)
    return re.sub(r"/login/[A-Za-z0-9_-]+", "/login/ID", html)


def _email_in(html: str) -> str:
    found = re.search(r"<strong>([^<]+@[^<]+)</strong>", html)
    assert found
    return found.group(1)
