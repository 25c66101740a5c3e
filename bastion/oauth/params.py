"""Request parameters as the endpoints see them (RFC 6749 §3.1, §3.2).

Parameters sent without a value are treated as omitted; a parameter may appear only once,
except the few that RFC 8707 and RFC 8693 allow to repeat.
"""

from __future__ import annotations

from collections.abc import Iterable

from bastion.oauth.errors import InvalidRequest

REPEATABLE = frozenset({"resource", "audience"})
MAX_VALUE_LENGTH = 8192


class Params:
    __slots__ = ("_multi",)

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        multi: dict[str, list[str]] = {}
        for key, value in pairs:
            if value == "":
                continue
            if len(value) > MAX_VALUE_LENGTH:
                raise InvalidRequest(f"parameter '{key[:40]}' is too long")
            values = multi.setdefault(key, [])
            if values and key not in REPEATABLE:
                raise InvalidRequest(f"parameter '{key[:40]}' was sent more than once")
            values.append(value)
        self._multi = multi

    def get(self, key: str) -> str | None:
        values = self._multi.get(key)
        return values[0] if values else None

    def require(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise InvalidRequest(f"missing required parameter '{key}'")
        return value

    def get_all(self, key: str) -> list[str]:
        return list(self._multi.get(key, ()))

    def __contains__(self, key: str) -> bool:
        return key in self._multi
