"""How end users are named: email addresses and usernames, normalised for lookup."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{1,63}$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]$")


def normalise_email(value: str) -> str:
    return value.strip().lower()


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value)) and len(value) <= 320


def normalise_username(value: str) -> str:
    return value.strip().lower()


def username_problem(value: str) -> str | None:
    if not _USERNAME.match(value):
        return "Usernames are 3 to 64 characters: a-z, 0-9, '.', '_' and '-'."
    return None
