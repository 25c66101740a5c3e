"""httpx.Auth pieces: the static API-key auth and the 401 retry rule."""

from __future__ import annotations

import re
from collections.abc import Generator

import httpx

_ERROR_PARAM = re.compile(r'(?:^|[\s,])error\s*=\s*"?([A-Za-z0-9_.-]+)"?')


def should_retry_unauthorized(response: httpx.Response) -> bool:
    """True for a 401 that a fresh access token could cure.

    A 401 whose `WWW-Authenticate` names an error other than `invalid_token` (for
    example `invalid_request`, RFC 6750 §3.1) is not retried: a new token will not help.
    """
    if response.status_code != 401:
        return False
    challenge = response.headers.get("www-authenticate", "")
    match = _ERROR_PARAM.search(challenge)
    return match is None or match.group(1) == "invalid_token"


class ApiKeyAuth(httpx.Auth):
    """Sends a static credential (a workspace or app API key) as a bearer token."""

    def __init__(
        self, api_key: str, *, header: str = "Authorization", scheme: str = "Bearer"
    ) -> None:
        if not api_key:
            raise ValueError("api_key is empty")
        self._value = f"{scheme} {api_key}" if scheme else api_key
        self._header = header

    def __repr__(self) -> str:
        return f"ApiKeyAuth(header={self._header!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = self._value
        yield request
