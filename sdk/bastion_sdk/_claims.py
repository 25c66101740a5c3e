"""The verification policy, with no I/O: header rules, signature check, claim checks.

Order of checks: shape and header policy (alg allow-list, typ, crit), then the
signature, and only then the claims, so nothing in an unauthenticated payload
influences the outcome before the signature is known to be good.

Two memos keep repeated work off the hot path; neither skips a security check:
* headers: a header segment is parsed and policy-checked once (every token of an
  issuer's key shares it);
* payloads: after a payload's SIGNATURE HAS VERIFIED, what follows from the payload
  alone (JSON shape, required claims, types, pinned issuer and audience) is kept per
  payload segment. A client presents the same access token for its whole lifetime,
  so a resource server mostly sees payloads it has checked before. The signature,
  the time checks (exp, nbf, iat) and the scope requirements still run on every call.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from json.scanner import make_scanner
from types import MappingProxyType
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
from ._jws import ALGORITHMS, DEFAULT_ALGORITHMS, Header, Parts, b64url_decode, parse_header
from ._models import AccessTokenClaims, UnfrozenClaims

ACCESS_TOKEN_TYP = "at+jwt"
# RFC 9068 §2.2: the claims every JWT access token carries.
ACCESS_TOKEN_CLAIMS = frozenset({"iss", "exp", "aud", "sub", "client_id", "iat", "jti"})
_HEADER_CACHE_SIZE = 256
DEFAULT_PAYLOAD_CACHE_SIZE = 1024
_STRINGS = ("sub", "jti", "client_id")


# `json.loads` minus its Python-level wrappers: the standard library's own scanner (C
# where available), called directly. It raises StopIteration when no JSON value starts
# at the index and JSONDecodeError (a ValueError) for malformed JSON. (typeshed types
# the scanner's context as the scanner itself; any JSONDecoder is the real contract.)
_SCAN = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def _json_object(segment: bytes) -> tuple[dict[str, Any], bool]:
    """The decoded JSON object, and whether it may hold nested objects or arrays.

    The JSON text decides the second: a nested `{` or `[` outside a string needs that
    character in the text, so a text without either (past the opening brace) holds
    only scalars. A brace inside a string merely sends the object the long way.
    """
    try:
        text = b64url_decode(segment).decode("utf-8")
        value, end = _SCAN(text, 0)
    except (ValueError, StopIteration):
        raise InvalidToken("the token's payload is not JSON") from None
    if type(value) is not dict or (end != len(text) and not text[end:].isspace()):
        raise InvalidToken("the token's payload is not a JSON object")
    return value, "[" in text or text.find("{", 1) >= 0


# The claim checks compare exact types (`type(v) is str`): JSON decoding yields only
# built-in types, and exactness keeps `true` from passing for a number. They are
# written out inline because they run on every request.


_NUMBER = frozenset({int, float})
_OPTIONAL_NUMBER = _NUMBER | {type(None)}
_OPTIONAL_STRING = frozenset({str, type(None)})


def _strings(value: str | Sequence[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset((value,) if isinstance(value, str) else value)


def _string_list(value: Any) -> bool:
    return type(value) is list and all(type(v) is str for v in value)


def _freeze(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return _read_only(value)
    if kind is list:
        return tuple(_freeze(v) for v in value)
    return value


def _read_only(obj: dict[str, Any]) -> MappingProxyType[str, Any]:
    """A read-only view of a freshly decoded (so unshared) JSON object, frozen deeply."""
    for key, value in obj.items():
        kind = type(value)
        if kind is dict or kind is list:
            obj[key] = _freeze(value)  # replacing a value while iterating is safe
    return MappingProxyType(obj)


# What a verified payload established on its own (see the module docstring): the claims,
# `exp`, and the later of `nbf` and `iat` (None without either). A plain tuple: one is
# built for every new payload.
Checked = tuple[AccessTokenClaims, float, float | None]


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
        payload_cache_size: int = DEFAULT_PAYLOAD_CACHE_SIZE,
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
        self._headers: dict[bytes, Header] = {}
        self._payload_cache_size = payload_cache_size
        self._payloads: dict[bytes, Checked] = {}

    # -- header ------------------------------------------------------------------

    def header(self, segment: bytes) -> Header:
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
        """Split a compact JWS (RFC 7515 §7.1), with the header checked (and cached).

        The token is encoded once; the segments are slices of those bytes, and the
        signing input is the prefix before the last dot.
        """
        try:
            data = token.encode("ascii")
        except AttributeError:
            raise InvalidToken("the token is not a string") from None
        except UnicodeEncodeError:
            raise InvalidToken("the token contains non-ASCII characters") from None
        signing_input, _, signature = data.rpartition(b".")
        header_segment, dot, payload = signing_input.partition(b".")
        if not dot or b"." in payload:
            raise InvalidToken("the token is not a compact JWS (three dot-separated segments)")
        header = self._headers.get(header_segment) or self.header(header_segment)
        return header, payload, signing_input, b64url_decode(signature)

    # -- signature -------------------------------------------------------------------

    @staticmethod
    def check_signature(
        alg: str, signing_input: bytes, signature: bytes, keys: Iterable[VerificationKey]
    ) -> None:
        verify = ALGORITHMS[alg].verify
        for key in keys:
            if verify(key.key, signature, signing_input):
                return
        raise InvalidToken("the token's signature does not verify")

    # -- claims ----------------------------------------------------------------------

    def claims(self, payload: bytes, required_scopes: Iterable[str] | None) -> AccessTokenClaims:
        """The claims of a token whose signature has verified, after every claim check."""
        memo = self._payloads if self._payload_cache_size else None
        checked = None if memo is None else memo.get(payload)
        if checked is None:
            checked = self.check_payload(payload)
            if memo is not None:
                if len(memo) >= self._payload_cache_size:
                    memo.clear()
                memo[payload] = checked
        claims, exp, valid_from = checked
        now, leeway = self.clock(), self.leeway
        if now - leeway >= exp:
            raise TokenExpired(
                f"the token expired {int(now - exp)} s ago; get a new one", expired_at=exp
            )
        if valid_from is not None and valid_from > now + leeway:
            name = "nbf" if valid_from == claims.raw.get("nbf") else "iat"
            raise TokenNotYetValid(
                f"the token's {name} is {int(valid_from - now)} s in the future; "
                "check the clocks of issuer and verifier",
                valid_from=valid_from,
            )
        needed = self.required_scopes if required_scopes is None else frozenset(required_scopes)
        if needed and not needed <= claims.scopes:
            raise InsufficientScope(needed, claims.scopes)
        return claims

    def check_payload(self, segment: bytes) -> Checked:
        """The checks that depend on the payload alone."""
        payload, nested = _json_object(segment)
        missing = self.required_claims.difference(payload)
        if missing:
            raise InvalidToken(f"the token lacks the required claim(s) {sorted(missing)}")
        get = payload.get
        issuer = get("iss")
        if type(issuer) is not str or issuer not in self.issuers:
            raise IssuerMismatch(f"the token was issued by {issuer!r}, not by {self.issuer!r}")
        aud, audiences = get("aud"), self.audiences
        if type(aud) is str and audiences is not None and aud in audiences:
            audience: tuple[str, ...] = (aud,)  # the common case, in line
        else:
            audience = self.check_audience(aud)
        exp, nbf, iat = payload["exp"], get("nbf"), get("iat")  # exp is always required
        sub, jti, client_id = get("sub"), get("jti"), get("client_id")
        if (
            type(exp) not in _NUMBER
            or type(nbf) not in _OPTIONAL_NUMBER
            or type(iat) not in _OPTIONAL_NUMBER
            or type(sub) not in _OPTIONAL_STRING
            or type(jti) not in _OPTIONAL_STRING
            or type(client_id) not in _OPTIONAL_STRING
        ):
            raise InvalidToken(_wrong_type(payload))
        scope = get("scope")
        claims = UnfrozenClaims(
            issuer,
            sub,
            audience,
            int(exp),
            None if iat is None else int(iat),
            None if nbf is None else int(nbf),
            jti,
            client_id,
            frozenset(scope.split()) if type(scope) is str else self.check_scope(scope),
            _read_only(payload) if nested else MappingProxyType(payload),
        ).freeze()
        if nbf is None or iat is None:
            return claims, exp, iat if nbf is None else nbf
        return claims, exp, max(nbf, iat)

    def check_audience(self, aud: Any) -> tuple[str, ...]:
        if type(aud) is str:
            audience: tuple[str, ...] = (aud,)
        elif aud is None or _string_list(aud):
            audience = tuple(aud or ())
        else:
            raise InvalidToken("the token's 'aud' is neither a string nor a list of strings")
        if self.audiences is not None and self.audiences.isdisjoint(audience):
            raise AudienceMismatch(
                f"the token is meant for {list(audience)}, not for {sorted(self.audiences)}"
            )
        return audience

    @staticmethod
    def check_scope(scope: Any) -> frozenset[str]:
        if scope is None:
            return frozenset()
        if type(scope) is str:
            return frozenset(scope.split())
        if _string_list(scope):
            return frozenset(scope)
        raise InvalidToken("the token's 'scope' is neither a string nor a list of strings")


def _wrong_type(payload: dict[str, Any]) -> str:
    """Which time or string claim has the wrong JSON type (off the hot path)."""
    if type(payload["exp"]) not in _NUMBER:
        return "the token's 'exp' is not a number"
    for name in ("nbf", "iat"):
        if type(payload.get(name)) not in _OPTIONAL_NUMBER:
            return f"the token's {name!r} is not a number"
    name = next(n for n in _STRINGS if type(payload.get(n)) not in _OPTIONAL_STRING)
    return f"the token's {name!r} is not a string"
