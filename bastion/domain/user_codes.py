"""Device-flow user codes (RFC 8628 §6.1): short, typed by people, hard to misread.

The alphabet has 20 consonants and no vowels (so no words are spelled) and none of the
letters people confuse with digits. Codes are shown grouped (``BCDF-GHJK``) and matched after
normalising to ``A-Z0-9`` in upper case, the way the builder contract's client normalises them
(contracts/pymthouse-wire.md §2.2.2), so ``bcdf ghjk`` and ``BCDF-GHJK`` are the same code.
Eight characters give 20**8 ≈ 2.6e10 codes; with the attempt limits that is RFC 8628's
recommended margin.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
LENGTH = 8
GROUP = 4
_NOT_CODE = re.compile(r"[^A-Z0-9]")


def new_user_code() -> str:
    """A fresh code in its normalised form (store this; show :func:`display_user_code`)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display_user_code(code: str) -> str:
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise_user_code(text: str) -> str:
    """Upper-case, then drop everything that is not A-Z or 0-9."""
    return _NOT_CODE.sub("", text.upper())[:32]
