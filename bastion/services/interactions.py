"""The interaction hand-off between the engine and the hosted pages.

``authorize`` takes a request the engine validated and decides, from the browser's session
and the remembered consent, whether the code can be issued at once, must be refused
(``prompt=none``), or needs the person: then it stores an *interaction* bound to the browser
and says which page comes next. The pages call ``signed_in`` and ``decide``, which finish the
interaction exactly once: with a redirect carrying the code (or the refusal) to the client,
or, for the device flow, by approving or denying the device code.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Table, bindparam, update

from bastion.crypto.secrets import KeyedHasher, new_opaque_token
from bastion.domain.credentials import PREFIXES, CredentialKind
from bastion.domain.errors import NotFound
from bastion.domain.ids import new_id
from bastion.domain.scopes import parse_scope
from bastion.oauth.endpoints.authorize import (
    AuthorizationRequest,
    error_redirect,
    issue_code,
    validate_authorization_request,
)
from bastion.oauth.engine import Engine
from bastion.oauth.errors import (
    AccessDenied,
    AuthorizationRedirect,
    ConsentRequired,
    LoginRequired,
    OAuthError,
)
from bastion.oauth.models import Client, IssuerContext
from bastion.oauth.params import Params
from bastion.services.end_users import AppRealm, EndUsers
from bastion.services.sessions import SessionInfo, SessionService
from bastion.store.db import Database
from bastion.store.repositories import grants, people
from bastion.store.schema import Consent, Interaction
from bastion.store.types import utcnow

INTERACTIONS = cast(Table, Interaction.__table__)
MARK_SIGNED_IN = (
    update(INTERACTIONS)
    .where(INTERACTIONS.c.id == bindparam("key"))
    .values(session_id=bindparam("sid"))
)
# Only once: the row count says whether this request finished it.
FINISH = (
    update(INTERACTIONS)
    .where(INTERACTIONS.c.id == bindparam("key"), INTERACTIONS.c.finished_at.is_(None))
    .values(finished_at=bindparam("now"))
)
FINISH_SIGNED_IN = FINISH.values(session_id=bindparam("sid"))

SessionSecrets = Callable[[str], str | None]  # app id -> that app's session cookie, if any


class Step(StrEnum):
    SIGN_IN = "sign_in"
    CONSENT = "consent"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Outcome:
    step: Step
    interaction_id: str | None = None
    redirect: str | None = None
    browser_secret: str | None = None  # a new browser cookie to set


@dataclass(frozen=True, slots=True)
class InteractionView:
    id: str
    kind: str  # "authorize" or "device"
    app: AppRealm
    client: Client
    scopes: tuple[str, ...]
    request: dict[str, Any]
    session_id: str | None

    @property
    def login_hint(self) -> str | None:
        return self.request.get("login_hint")


class Interactions:
    def __init__(
        self,
        db: Database,
        engine: Engine,
        hasher: KeyedHasher,
        sessions: SessionService,
        users: EndUsers,
        *,
        ttl: int,
    ) -> None:
        self.db = db
        self.engine = engine
        self.hasher = hasher
        self.sessions = sessions
        self.users = users
        self.ttl = ttl

    async def authorize(
        self, ctx: IssuerContext, params: Params, browser: str | None, cookies: SessionSecrets
    ) -> Outcome:
        """Raises OAuthError for requests whose client or redirect URI is not trustworthy."""
        try:
            request, client = await validate_authorization_request(params, ctx, self.engine)
        except AuthorizationRedirect as exc:
            return Outcome(Step.DONE, redirect=error_redirect(ctx, exc))
        session = await self.sessions.from_cookie(client.realm, cookies(client.realm))
        fresh = (
            session is not None
            and "login" not in request.prompt
            and not _too_old(session, request.max_age, self.engine.clock())
        )
        try:
            if fresh and session is not None:
                if not await self._needs_consent(session, client, request.scope, request.prompt):
                    url = await issue_code(request, client, session.sign_in, ctx, self.engine)
                    return Outcome(Step.DONE, redirect=url)
                if "none" in request.prompt:
                    raise ConsentRequired("the user has not consented to this client")
            elif "none" in request.prompt:
                raise LoginRequired("nobody is signed in")
        except OAuthError as exc:
            failure = AuthorizationRedirect(exc, request.redirect_uri, request.state)
            return Outcome(Step.DONE, redirect=error_redirect(ctx, failure))
        data = {"iss": ctx.url, **request.to_dict()}
        return await self._start(
            "authorize", client, ctx.id, data, browser, session if fresh else None
        )

    async def _start(
        self,
        kind: str,
        client: Client,
        issuer_id: str,
        data: dict[str, Any],
        browser: str | None,
        session: SessionInfo | None,
    ) -> Outcome:
        new_browser = None
        if not browser:
            browser = new_browser = new_opaque_token(PREFIXES[CredentialKind.BROWSER_ID])
        now = utcnow()
        interaction_id = secrets.token_urlsafe(24)
        await self.db.add(
            Interaction(
                id=interaction_id,
                kind=kind,
                workspace_id=client.tenant,
                app_id=client.realm,
                issuer_id=issuer_id,
                client_id=client.client_id,
                browser_digest=self.hasher.digest(browser),
                request=data,
                session_id=session.id if session else None,
                expires_at=now + timedelta(seconds=self.ttl),
            )
        )
        step = Step.CONSENT if session else Step.SIGN_IN
        return Outcome(step, interaction_id=interaction_id, browser_secret=new_browser)

    async def start_device(
        self, user_code: str, browser: str | None, cookies: SessionSecrets, ip: str | None
    ) -> Outcome:
        """Someone typed a user code at the verification page (RFC 8628 §3.3)."""
        throttle = self.users.throttle
        throttle.check(ip)
        async with self.db.read() as db_session:
            row = await grants.pending_device_code(db_session, user_code, None, utcnow())
        client = await self.engine.clients.get_client(row.client_id) if row else None
        if row is None or client is None or not client.active:
            throttle.failed(ip)
            raise NotFound("That code is not valid. Check it and try again.")
        session = await self.sessions.from_cookie(row.app_id, cookies(row.app_id))
        data = {"user_code": row.user_code, "scope": row.scope}
        return await self._start("device", client, row.issuer_id, data, browser, session)

    async def load(self, interaction_id: str, browser: str | None) -> InteractionView:
        gone = NotFound("This sign-in has expired or was already finished. Start again.")
        if not browser or len(interaction_id) > 64:
            raise gone
        # Read on every page of a sign-in: by primary key, without an ORM session.
        row = await self.db.fetch_row(INTERACTIONS, "id", interaction_id)
        if (
            row is None
            or row["finished_at"] is not None
            or row["expires_at"] <= utcnow()
            or not self.hasher.matches(browser, row["browser_digest"])
        ):
            raise gone
        client = await self.engine.clients.get_client(row["client_id"])
        if client is None or not client.active:
            raise gone
        return InteractionView(
            id=row["id"],
            kind=row["kind"],
            app=await self.users.app(row["app_id"]),
            client=client,
            scopes=parse_scope(row["request"].get("scope")),
            request=dict(row["request"]),
            session_id=row["session_id"],
        )

    async def signed_in(self, view: InteractionView, session: SessionInfo) -> Outcome:
        if view.kind == "authorize":
            request = AuthorizationRequest.from_dict(_request_fields(view.request))
            if not await self._needs_consent(session, view.client, request.scope, request.prompt):
                # Finished at once: the session is recorded by the same write.
                return await self._finish_authorize(view, session, request, signed_in=True)
        await self.db.execute_steps([(MARK_SIGNED_IN, {"key": view.id, "sid": session.id})])
        return Outcome(Step.CONSENT, interaction_id=view.id)

    async def current_session(self, view: InteractionView) -> SessionInfo:
        live = await self.sessions.live_session(view.session_id) if view.session_id else None
        if live is None:
            raise NotFound("Your sign-in has ended. Start again.")
        return SessionInfo(
            live.id, view.app.tenant, live.subject, live.auth_time, live.amr, live.expires_at
        )

    async def decide(self, view: InteractionView, approve: bool) -> Outcome:
        session = await self.current_session(view)
        if view.kind == "device":
            await self._finish_once(view)
            sign_in = session.sign_in if approve else None
            code = str(view.request["user_code"])
            if not await grants.decide_user_code(self.db, code, view.app.id, utcnow(), sign_in):
                raise NotFound(
                    "That code has expired or was already used. Start again on the device."
                )
            return Outcome(Step.DONE)
        request = AuthorizationRequest.from_dict(_request_fields(view.request))
        if not approve:
            await self._finish_once(view)
            ctx = await self._issuer(view)
            refusal = AuthorizationRedirect(
                AccessDenied("the user declined"), request.redirect_uri, request.state
            )
            return Outcome(Step.DONE, redirect=error_redirect(ctx, refusal))
        await self._remember_consent(session, view.client, view.scopes)
        return await self._finish_authorize(view, session, request)

    async def _finish_authorize(
        self,
        view: InteractionView,
        session: SessionInfo,
        request: AuthorizationRequest,
        *,
        signed_in: bool = False,
    ) -> Outcome:
        await self._finish_once(view, session.id if signed_in else None)
        ctx = await self._issuer(view)
        url = await issue_code(request, view.client, session.sign_in, ctx, self.engine)
        return Outcome(Step.DONE, redirect=url)

    async def _finish_once(self, view: InteractionView, session_id: str | None = None) -> None:
        """Mark the interaction finished (and, given ``session_id``, signed in), only once."""
        params: dict[str, object] = {"key": view.id, "now": utcnow()}
        if session_id is not None:
            params["sid"] = session_id
        step = (FINISH if session_id is None else FINISH_SIGNED_IN, params)
        if await self.db.execute_steps([step]) != 1:
            raise NotFound("This sign-in was already finished.")

    async def _issuer(self, view: InteractionView) -> IssuerContext:
        ctx = await self.engine.issuers.issuer_by_url(str(view.request["iss"]))
        if ctx is None:
            raise NotFound("This sign-in cannot be finished any more.")
        return ctx

    async def _needs_consent(
        self, session: SessionInfo, client: Client, scope: str, prompt: tuple[str, ...]
    ) -> bool:
        if "consent" in prompt:
            return True
        async with self.db.read() as db_session:
            row = await people.consent_of(
                db_session, session.tenant, session.user_id, client.client_id
            )
        return row is None or not set(parse_scope(scope)) <= set(row.scopes)

    async def _remember_consent(
        self, session: SessionInfo, client: Client, scopes: tuple[str, ...]
    ) -> None:
        tenant = session.tenant
        async with self.db.write() as db_session:
            row = await people.consent_of(db_session, tenant, session.user_id, client.client_id)
            if row is None:
                assert tenant.app_id is not None
                db_session.add(
                    Consent(
                        id=new_id(),
                        workspace_id=tenant.workspace_id,
                        app_id=tenant.app_id,
                        end_user_id=session.user_id,
                        client_id=client.client_id,
                        scopes=sorted(set(scopes)),
                    )
                )
            else:
                row.scopes = sorted(set(row.scopes) | set(scopes))


def _request_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "iss"}


def _too_old(session: SessionInfo, max_age: int | None, now: float) -> bool:
    """OIDC Core §3.1.2.1 ``max_age``: re-authenticate when the sign-in is older."""
    return max_age is not None and now - session.auth_time.timestamp() > max_age
