"""The verification policy, with no I/O: header rules, signature check, claim checks.

Order of checks: shape and header policy (alg allow-list, typ, crit), then the
signature, and only then the claims, so nothing in an unauthenticated payload
influences the outcome before the signature is known to be good.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ._errors import (
    AudienceMismatch,
    InsufficientScope,
    InvalidToken,
    IssuerMismatch,
    TokenExpired,
    TokenNotYetValid,
)
from ._jwk import VerificationKey
from ._jws import ALGORITHMS, DEFAULT_ALGORITHMS, Header, Parts, b64url_decode, parse_header, split
from ._models import AccessTokenClaims

ACCESS_TOKEN_TYP = "at+jwt"
# RFC 9068 §2.2: the claims every JWT access token carries.
ACCESS_TOKEN_CLAIMS = frozenset({"iss", "exp", "aud", "sub", "client_id", "iat", "jti"})
_HEADER_CACHE_SIZE = 256


def _numeric(payload: Mapping[str, Any], name: str) -> float | None:
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken(f"the token's {name!r} is not a number")
    return float(value)


def _string(payload: Mapping[str, Any], name: str) -> str | None:
    value = payload.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidToken(f"the token's {name!r} is not a string")
    return value


def _strings(value: str | Sequence[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset((value,) if isinstance(value, str) else value)


def _scopes(payload: Mapping[str, Any]) -> frozenset[str]:
    value = payload.get("scope")
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return frozenset(value)
    raise InvalidToken("the token's 'scope' is neither a string nor a list of strings")


class VerifierCore:
    """Pinned issuer and audience, algorithm allow-list, typ, leeway and claim rules."""

    def __init__(
        self,
        issuer: str | Sequence[str],
        *,
        audience: str | Sequence[str] | None,
        algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
        typ: str | None = ACCESS_TOKEN_TYP,
        leeway: float = 30.0,
        required_claims: Iterable[str] = (),
        required_scopes: Iterable[str] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        issuers = _strings(issuer)
        if not issuers:
            raise ValueError("pin at least one issuer")
        self.issuers = issuers
        self.issuer = issuer if isinstance(issuer, str) else sorted(issuers)[0]
        self.audiences = _strings(audience)
        self.algorithms = frozenset(algorithms)
        unsupported = self.algorithms - ALGORITHMS.keys()
        if unsupported:
            raise ValueError(
                f"unsupported algorithm(s) {sorted(unsupported)}: only asymmetric signatures "
                f"are verified ({', '.join(sorted(ALGORITHMS))}); 'none' and HS* never are"
            )
        if not self.algorithms:
            raise ValueError("allow at least one algorithm")
        self.typs = None if typ is None else frozenset({typ.lower(), f"application/{typ.lower()}"})
        if leeway < 0:
            raise ValueError("leeway must be >= 0")
        self.leeway = leeway
        base = ACCESS_TOKEN_CLAIMS if typ == ACCESS_TOKEN_TYP else frozenset({"iss", "exp"})
        if self.audiences is not None:
            base |= {"aud"}
        self.required_claims = base | frozenset(required_claims)
        self.required_scopes = frozenset(required_scopes)
        self.clock = clock
        self._headers: dict[str, Header] = {}

    # -- header ------------------------------------------------------------------

    def header(self, segment: str) -> Header:
        """The parsed and policy-checked header; identical segments are parsed once."""
        header = self._headers.get(segment)
        if header is None:
            header = parse_header(segment)
            self.check_header(header)
            if len(self._headers) >= _HEADER_CACHE_SIZE:
                self._headers.clear()
            self._headers[segment] = header
        return header

    def check_header(self, header: Header) -> None:
        if header.alg not in self.algorithms:
            reason = (
                "unsigned tokens are never accepted"
                if header.alg.lower() == "none"
                else "symmetric (HMAC) tokens are never accepted"
                if header.alg.upper().startswith("HS")
                else f"allowed: {', '.join(sorted(self.algorithms))}"
            )
            raise InvalidToken(f"the token's algorithm {header.alg!r} is not allowed ({reason})")
        if self.typs is not None and (header.typ is None or header.typ.lower() not in self.typs):
            raise InvalidToken(
                f"the token's typ is {header.typ!r}, not {sorted(self.typs)[-1]!r}: it is not "
                "an access token (an ID token or another JWT?)"
            )

    def split(self, token: str) -> Parts:
        return split(token, self.header)

    # -- signature -------------------------------------------------------------------

    @staticmethod
    def check_signature(parts: Parts, keys: Iterable[VerificationKey]) -> None:
        verify = ALGORITHMS[parts.header.alg].verify
        for key in keys:
            if verify(key.key, parts.signature, parts.signing_input):
                return
        raise InvalidToken("the token's signature does not verify")

    # -- claims ----------------------------------------------------------------------

    def claims(self, parts: Parts, required_scopes: Iterable[str] | None) -> AccessTokenClaims:
        try:
            payload = json.loads(b64url_decode(parts.payload))
        except ValueError:
            raise InvalidToken("the token's payload is not JSON") from None
        if not isinstance(payload, dict):
            raise InvalidToken("the token's payload is not a JSON object")
        missing = self.required_claims - payload.keys()
        if missing:
            raise InvalidToken(f"the token lacks the required claim(s) {sorted(missing)}")
        issuer = _string(payload, "iss")
        if issuer not in self.issuers:
            raise IssuerMismatch(f"the token was issued by {issuer!r}, not by {self.issuer!r}")
        audience = self._audience(payload)
        now = self.clock()
        exp = _numeric(payload, "exp")
        if exp is not None and now - self.leeway >= exp:
            raise TokenExpired(
                f"the token expired {int(now - exp)} s ago; get a new one", expired_at=exp
            )
        for name in ("nbf", "iat"):
            moment = _numeric(payload, name)
            if moment is not None and moment > now + self.leeway:
                raise TokenNotYetValid(
                    f"the token's {name} is {int(moment - now)} s in the future; "
                    "check the clocks of issuer and verifier",
                    valid_from=moment,
                )
        scopes = _scopes(payload)
        needed = self.required_scopes if required_scopes is None else frozenset(required_scopes)
        if not needed <= scopes:
            raise InsufficientScope(needed, scopes)
        iat, nbf = payload.get("iat"), payload.get("nbf")
        return AccessTokenClaims(
            issuer=issuer,
            subject=_string(payload, "sub"),
            audience=audience,
            expires_at=0 if exp is None else int(exp),
            issued_at=None if iat is None else int(iat),
            not_before=None if nbf is None else int(nbf),
            jwt_id=_string(payload, "jti"),
            client_id=_string(payload, "client_id"),
            scopes=scopes,
            raw=payload,
        )

    def _audience(self, payload: Mapping[str, Any]) -> tuple[str, ...]:
        value = payload.get("aud")
        if value is None:
            audience: tuple[str, ...] = ()
        elif isinstance(value, str):
            audience = (value,)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            audience = tuple(value)
        else:
            raise InvalidToken("the token's 'aud' is neither a string nor a list of strings")
        if self.audiences is not None and self.audiences.isdisjoint(audience):
            raise AudienceMismatch(
                f"the token is meant for {list(audience)}, not for {sorted(self.audiences)}"
            )
        return audience
