"""Grants bound to a sign-in session die with it (OIDC Core §2 ``sid``; RFC 9700 §4.14.2)."""

from __future__ import annotations

from bastion.oauth.engine import Engine
from bastion.oauth.errors import InvalidGrant
from bastion.oauth.grant_models import LiveSession


async def check_live_session(
    engine: Engine, session_id: str | None, subject: str
) -> LiveSession | None:
    """The grant's session when it is still live; ``invalid_grant`` when it ended."""
    if session_id is None:
        return None
    session = await engine.ports.sessions.live_session(session_id)
    if session is None or session.subject != subject:
        raise InvalidGrant("the sign-in session behind this grant has ended")
    return session
