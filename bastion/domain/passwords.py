"""Password rules for end users (NIST SP 800-63B §5.1.1.2): a minimum length, a generous
maximum, and not the account's own email or username. No composition rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ABSOLUTE_MIN_LENGTH = 8
MAX_LENGTH = 256


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    min_length: int

    @classmethod
    def for_app(cls, config: Mapping[str, Any], default_min_length: int) -> PasswordPolicy:
        """The app's ``password_min_length`` when set, never below the absolute floor."""
        raw = config.get("password_min_length", default_min_length)
        wanted = raw if isinstance(raw, int) and not isinstance(raw, bool) else default_min_length
        return cls(min_length=max(ABSOLUTE_MIN_LENGTH, min(wanted, MAX_LENGTH)))

    def problem(self, password: str, identifiers: Iterable[str | None] = ()) -> str | None:
        """Why ``password`` is refused, or None when it is acceptable."""
        if len(password) < self.min_length:
            return f"Use at least {self.min_length} characters."
        if len(password) > MAX_LENGTH:
            return f"Use at most {MAX_LENGTH} characters."
        lowered = password.casefold()
        for identifier in identifiers:
            if identifier and lowered == identifier.casefold():
                return "Do not use your email address or username as your password."
        return None
