"""Client credentials from an HTTP request: ``Authorization: Basic`` or form fields
(RFC 6749 §2.3.1). The engine decides whether they are good."""

from __future__ import annotations

import binascii
from urllib.parse import unquote

from starlette.requests import Request

from bastion.faces._shared.http import header
from bastion.oauth.client_auth import check_single_method
from bastion.oauth.errors import InvalidClient, InvalidRequest
from bastion.oauth.models import ClientCredentials
from bastion.oauth.params import Params


def _basic(authorization: str) -> tuple[str, str]:
    try:
        # Strict: only the base64 alphabet, padded as it should be (RFC 7617 §2, RFC 4648 §4).
        encoded = authorization[6:].strip().encode("ascii")
        decoded = binascii.a2b_base64(encoded, strict_mode=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidClient("malformed Basic credentials", used_basic=True) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise InvalidClient("malformed Basic credentials", used_basic=True)
    # RFC 6749 form-encodes both parts; some published clients do not (QUIRKS.md). Our own
    # identifiers and secrets never contain '%', so decoding only then serves both.
    if "%" in client_id:
        client_id = unquote(client_id)
    if "%" in secret:
        secret = unquote(secret)
    return client_id, secret


def client_credentials(request: Request, params: Params) -> ClientCredentials:
    authorization = header(request, b"authorization") or ""
    body_secret = params.get("client_secret")
    if authorization[:6].lower() == "basic ":
        check_single_method(True, body_secret is not None)
        client_id, secret = _basic(authorization)
        body_id = params.get("client_id")
        if body_id is not None and body_id != client_id:
            raise InvalidRequest("client_id in the body does not match the Basic credentials")
        return ClientCredentials(client_id, secret, "client_secret_basic")
    if body_secret is not None:
        return ClientCredentials(params.get("client_id"), body_secret, "client_secret_post")
    return ClientCredentials(params.get("client_id"), None, "none")
