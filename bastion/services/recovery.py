"""Proving control of an email address: confirming it after sign-up, and resetting a
forgotten password. Both go through a mailed one-time code; neither says whether an account
exists (a reset request for an unknown address looks exactly like one for a known address)."""

from __future__ import annotations

from bastion.domain.errors import Unauthenticated, ValidationFailed
from bastion.domain.identifiers import normalise_email
from bastion.services.codes import RESET_PASSWORD, VERIFY_EMAIL
from bastion.services.end_users import AppRealm, EndUsers, UserInfo, user_info
from bastion.store.repositories import events, people
from bastion.store.types import utcnow

BAD_CODE = "That code is not right, or it has expired."


class Recovery:
    def __init__(self, users: EndUsers) -> None:
        self.users = users
        self.db = users.db
        self.throttle = users.throttle

    async def _redeem(
        self, app: AppRealm, identifier: str, purpose: str, code: str, ip: str | None
    ) -> UserInfo:
        row, account = await self.users.find_throttled(app, identifier, ip)
        ok = row is not None and await self.users.codes.redeem(app.tenant, row.id, purpose, code)
        if row is None or not ok:
            self.throttle.failed(ip, account)
            raise Unauthenticated(BAD_CODE)
        return user_info(row)

    async def verify_email(self, app: AppRealm, email: str, code: str, ip: str | None) -> UserInfo:
        user = await self._redeem(app, email, VERIFY_EMAIL, code, ip)
        async with self.db.write() as session:
            row = await people.user_by_id(session, app.tenant, user.id)
            if row is not None and row.email_verified_at is None:
                row.email_verified_at = utcnow()
                events.record_audit(
                    session,
                    action="end_user.email_verified",
                    actor_type="end_user",
                    actor_id=user.id,
                    workspace_id=app.workspace_id,
                    app_id=app.id,
                    resource=f"end_user/{user.id}",
                )
        return UserInfo(user.id, user.email, user.username, user.display_name, True)

    async def request_reset(self, app: AppRealm, identifier: str, ip: str | None) -> None:
        self.throttle.count_signup(ip)
        async with self.db.read() as session:
            row = await people.user_by_identifier(session, app.tenant, normalise_email(identifier))
        if row is not None and row.email and row.email_verified_at is not None:
            await self.users.send_code(app, user_info(row), RESET_PASSWORD)

    async def reset_password(
        self, app: AppRealm, identifier: str, code: str, new_password: str, ip: str | None
    ) -> UserInfo:
        problem = self.users.policy(app).problem(new_password, (identifier,))
        if problem:
            raise ValidationFailed(problem, fields={"password": "weak"})
        user = await self._redeem(app, identifier, RESET_PASSWORD, code, ip)
        await self.users.set_password(app, user.id, new_password, audit="password.reset")
        async with self.db.write() as session:
            await people.revoke_sessions(session, app.tenant, utcnow(), user_id=user.id)
        return user
