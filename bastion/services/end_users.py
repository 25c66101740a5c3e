"""End users of an app: sign-up, sign-in with email or username and password, and the
claims the engine releases about them.

Sign-in never says whether an account exists: unknown identifiers cost one argon2id
verification (``burn``) and get the same message as a wrong password. Sign-up always ends on
the same "we sent you a code" step; when the email is taken by a verified account its owner
gets a notice instead of a code. Passwords hashed with older parameters are re-hashed at the
next successful sign-in.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError

from bastion.crypto.passwords import PasswordHasher
from bastion.domain.claims import Person
from bastion.domain.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from bastion.domain.identifiers import (
    is_email,
    normalise_email,
    normalise_username,
    username_problem,
)
from bastion.domain.ids import new_id
from bastion.domain.passwords import MAX_LENGTH, PasswordPolicy
from bastion.domain.tenancy import Tenant
from bastion.services.codes import VERIFY_EMAIL, OneTimeCodes
from bastion.services.mail import Mail, Mailer
from bastion.services.throttle import Throttle
from bastion.store.db import Database
from bastion.store.repositories import events, people
from bastion.store.schema import App, EndUser
from bastion.store.types import utcnow

log = logging.getLogger("bastion.end_users")
APPS = cast(Table, App.__table__)
WRONG_CREDENTIALS = "That email or username and password do not match."


@dataclass(frozen=True, slots=True)
class AppRealm:
    id: str
    workspace_id: str
    slug: str
    name: str
    config: dict[str, Any]

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.workspace_id, self.id)


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: str
    email: str | None
    username: str | None
    display_name: str | None
    email_verified: bool

    @property
    def label(self) -> str:
        return self.display_name or self.username or self.email or self.id


class EmailNotVerified(Unauthenticated):
    code = "email_not_verified"

    def __init__(self, user: UserInfo) -> None:
        super().__init__("Confirm your email address first: we sent you a code.")
        self.user = user


def user_info(row: EndUser) -> UserInfo:
    return UserInfo(
        id=row.id,
        email=row.email,
        username=row.username,
        display_name=row.display_name,
        email_verified=row.email_verified_at is not None,
    )


class EndUsers:
    def __init__(
        self,
        db: Database,
        passwords: PasswordHasher,
        codes: OneTimeCodes,
        mailer: Mailer,
        throttle: Throttle,
        *,
        default_min_length: int,
    ) -> None:
        self.db = db
        self.passwords = passwords
        self.codes = codes
        self.mailer = mailer
        self.throttle = throttle
        self.default_min_length = default_min_length

    async def app(self, app_id: str) -> AppRealm:
        row = await self.db.fetch_row(APPS, "id", app_id)  # on every sign-in page: no ORM
        if row is None:
            raise NotFound("no such app")
        return AppRealm(row["id"], row["workspace_id"], row["slug"], row["name"], row["config"])

    def policy(self, app: AppRealm) -> PasswordPolicy:
        return PasswordPolicy.for_app(app.config, self.default_min_length)

    async def find_throttled(
        self, app: AppRealm, identifier: str, ip: str | None
    ) -> tuple[EndUser | None, Hashable]:
        """The account an identifier names (if any) and its throttle key, once neither the
        account nor the address is locked out. An account is one key whichever of its names
        (email or username) is typed; an unknown name is a key of its own."""
        key = normalise_email(identifier)[:320]
        async with self.db.read() as session:
            row = await people.user_by_identifier(session, app.tenant, key)
        account = (app.id, row.id if row is not None else key)
        self.throttle.check(ip, account)
        return row, account

    async def sign_in(
        self, app: AppRealm, identifier: str, password: str, ip: str | None
    ) -> UserInfo:
        row, account = await self.find_throttled(app, identifier, ip)
        if row is None or row.password_hash is None or row.status != "active":
            await self.passwords.burn(password[:MAX_LENGTH])
            self.throttle.failed(ip, account)
            raise Unauthenticated(WRONG_CREDENTIALS)
        check = await self.passwords.verify(row.password_hash, password[:MAX_LENGTH])
        if not check.ok:
            self.throttle.failed(ip, account)
            raise Unauthenticated(WRONG_CREDENTIALS)
        if check.needs_rehash:
            await self.set_password(app, row.id, password, audit="password.rehashed")
        user = user_info(row)
        if row.email and not user.email_verified:
            await self.send_code(app, user, VERIFY_EMAIL)
            raise EmailNotVerified(user)
        return user

    async def sign_up(
        self,
        app: AppRealm,
        *,
        email: str,
        password: str,
        username: str | None,
        display_name: str | None,
        ip: str | None,
    ) -> str:
        """Create (or re-claim, while unverified) an account and mail a code; returns the
        normalised email the verification step asks about."""
        email = normalise_email(email)
        if not is_email(email):
            raise ValidationFailed("Enter a valid email address.", fields={"email": "invalid"})
        handle = normalise_username(username) if username else None
        if handle and (problem := username_problem(handle)):
            raise ValidationFailed(problem, fields={"username": "invalid"})
        problem = self.policy(app).problem(password, (email, handle))
        if problem:
            raise ValidationFailed(problem, fields={"password": "weak"})
        self.throttle.count_signup(ip)
        password_hash = await self.passwords.hash(password)
        async with self.db.read() as session:
            existing = await people.user_by_identifier(session, app.tenant, email)
            if handle and await people.user_by_identifier(session, app.tenant, handle):
                raise ValidationFailed("That username is taken.", fields={"username": "taken"})
        if existing is not None and existing.email_verified_at is not None:
            self._notice_existing(app, email)
            return email
        user_id = existing.id if existing is not None else new_id()
        try:
            async with self.db.write() as session:
                row = existing and await people.user_by_id(session, app.tenant, existing.id)
                if not row:
                    row = EndUser(id=user_id, workspace_id=app.workspace_id, app_id=app.id)
                    session.add(row)
                row.email, row.password_hash = email, password_hash
                row.username = handle or row.username
                row.display_name = (display_name or "").strip()[:200] or row.display_name
                events.record_audit(
                    session,
                    action="end_user.signed_up",
                    actor_type="end_user",
                    actor_id=user_id,
                    workspace_id=app.workspace_id,
                    app_id=app.id,
                    resource=f"end_user/{user_id}",
                )
        except IntegrityError:
            raise ValidationFailed(
                "That username is taken.", fields={"username": "taken"}
            ) from None
        await self.send_code(
            app, UserInfo(user_id, email, handle, display_name, False), VERIFY_EMAIL
        )
        return email

    def _notice_existing(self, app: AppRealm, email: str) -> None:
        self.mailer.send(
            Mail(
                to=email,
                subject=f"{app.name}: you already have an account",
                body=f"Someone (perhaps you) tried to sign up to {app.name} with this address, "
                "which already has an account. Sign in instead, or reset your password if you "
                "forgot it. If it was not you, you can ignore this message.\n",
                tenant=app.tenant,
            )
        )

    async def send_code(self, app: AppRealm, user: UserInfo, purpose: str) -> None:
        if not user.email:
            return
        code = await self.codes.issue(app.tenant, user.id, purpose)
        what = "confirm your email address" if purpose == VERIFY_EMAIL else "reset your password"
        # The code stays out of the subject: subjects are logged and kept in the clear.
        self.mailer.send(
            Mail(
                to=user.email,
                subject=f"{app.name}: your code to {what}",
                body=f"Use this code to {what} for {app.name}:\n\n    {code}\n\n"
                "It works once, within 10 minutes. If you did not ask for it, ignore this mail.\n",
                tenant=app.tenant,
            )
        )

    async def set_password(self, app: AppRealm, user_id: str, password: str, *, audit: str) -> None:
        password_hash = await self.passwords.hash(password)
        async with self.db.write() as session:
            row = await people.user_by_id(session, app.tenant, user_id)
            if row is None:
                raise NotFound("no such user")
            row.password_hash = password_hash
            events.record_audit(
                session,
                action=audit,
                actor_type="end_user",
                actor_id=user_id,
                workspace_id=app.workspace_id,
                app_id=app.id,
                resource=f"end_user/{user_id}",
            )

    async def person(self, realm: str, subject: str) -> Person | None:
        """The engine's :class:`~bastion.oauth.ports.People`."""
        async with self.db.read() as session:
            row = await people.user_in_app(session, realm, subject)
        if row is None or row.status != "active":
            return None
        return Person(
            subject=row.id,
            email=row.email,
            email_verified=row.email_verified_at is not None,
            username=row.username,
            display_name=row.display_name,
            updated_at=row.updated_at,
        )

    async def ensure_user(
        self, app: AppRealm, *, email: str, username: str, password: str, name: str
    ) -> str:
        """Create a verified user if missing (the demo); returns its id."""
        async with self.db.read() as session:
            row = await people.user_by_identifier(session, app.tenant, username)
        if row is not None:
            return row.id
        return await self._insert_verified(app, normalise_email(email), username, password, name)

    async def create_user(
        self,
        app: AppRealm,
        *,
        username: str,
        password: str,
        email: str | None = None,
        name: str | None = None,
    ) -> UserInfo:
        """An account made by an operator (``bastion users create``): active at once, its
        email (when given) taken as verified, the password held to the app's policy."""
        handle = normalise_username(username)
        if problem := username_problem(handle):
            raise ValidationFailed(problem, fields={"username": "invalid"})
        address = normalise_email(email) if email else None
        if address is not None and not is_email(address):
            raise ValidationFailed("Enter a valid email address.", fields={"email": "invalid"})
        if problem := self.policy(app).problem(password, (address, handle)):
            raise ValidationFailed(problem, fields={"password": "weak"})
        async with self.db.read() as session:
            for key in filter(None, (handle, address)):
                if await people.user_by_identifier(session, app.tenant, key) is not None:
                    raise Conflict("An account with that username or email already exists.")
        try:
            user_id = await self._insert_verified(app, address, handle, password, name)
        except IntegrityError:  # created meanwhile
            raise Conflict("An account with that username or email already exists.") from None
        return UserInfo(user_id, address, handle, name, address is not None)

    async def _insert_verified(
        self, app: AppRealm, email: str | None, username: str, password: str, name: str | None
    ) -> str:
        user_id = new_id()
        password_hash = await self.passwords.hash(password)
        async with self.db.write() as session:
            session.add(
                EndUser(
                    id=user_id,
                    workspace_id=app.workspace_id,
                    app_id=app.id,
                    email=email,
                    username=normalise_username(username),
                    display_name=name,
                    password_hash=password_hash,
                    email_verified_at=utcnow() if email else None,
                )
            )
            events.record_audit(
                session,
                action="end_user.created",
                actor_type="system",
                workspace_id=app.workspace_id,
                app_id=app.id,
                resource=f"end_user/{user_id}",
            )
        return user_id
