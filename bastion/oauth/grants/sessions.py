"""Grants bound to a sign-in session die with it (OIDC Core §2 ``sid``; RFC 9700 §4.14.2)."""

from __future__ import annotations

from bastion.oauth.engine import Engine
from bastion.oauth.errors import InvalidGrant
from bastion.oauth.grant_models import LiveSession

SESSION_ENDED = "the sign-in session behind this grant has ended"


async def check_live_session(
    engine: Engine, session_id: str | None, subject: str
) -> LiveSession | None:
    """The grant's session when it is still live; ``invalid_grant`` when it ended."""
    if session_id is None:
        return None
    return require_live(await engine.ports.sessions.live_session(session_id), subject)


def require_live(session: LiveSession | None, subject: str) -> LiveSession:
    """``session`` (already read) when it is live and the grant's subject's, else
    ``invalid_grant``."""
    if session is None or session.subject != subject:
        raise InvalidGrant(SESSION_ENDED)
    return session
