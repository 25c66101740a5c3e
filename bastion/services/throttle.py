"""Limits on people guessing: failed sign-ins and code entries per account and per address,
and sign-ups per address. Past a limit the account (or address) is locked for the rest of the
window and every attempt answers ``RateLimited`` with the seconds to wait, whether or not the
account exists."""

from __future__ import annotations

from collections.abc import Hashable

from bastion.domain.errors import RateLimited
from bastion.ops.ratelimit import FailureWindow
from bastion.settings import Settings

SIGNUP_WINDOW = 3600.0


class Throttle:
    def __init__(self, settings: Settings) -> None:
        self.accounts = FailureWindow(
            limit=settings.signin_failure_limit, window=settings.signin_failure_window
        )
        self.addresses = FailureWindow(
            limit=settings.ip_failure_limit, window=settings.ip_failure_window
        )
        self.signups = FailureWindow(limit=settings.signup_limit, window=SIGNUP_WINDOW)

    @staticmethod
    def _keys(ip: str | None, account: Hashable | None) -> tuple[list[Hashable], list[Hashable]]:
        return [("ip", ip or "?")], [("account", account)] if account is not None else []

    def check(self, ip: str | None, account: Hashable | None = None) -> None:
        by_ip, by_account = self._keys(ip, account)
        wait = max(
            self.addresses.retry_after(by_ip) or 0, self.accounts.retry_after(by_account) or 0
        )
        if wait:
            raise RateLimited("Too many attempts. Wait a little and try again.", retry_after=wait)

    def failed(self, ip: str | None, account: Hashable | None = None) -> None:
        by_ip, by_account = self._keys(ip, account)
        self.addresses.record_failure(by_ip)
        if by_account:
            self.accounts.record_failure(by_account)

    def count_signup(self, ip: str | None) -> None:
        key: list[Hashable] = [("signup", ip or "?")]
        wait = self.signups.retry_after(key)
        if wait:
            raise RateLimited(
                "Too many sign-ups from your address. Try again later.", retry_after=wait
            )
        self.signups.record_failure(key)
