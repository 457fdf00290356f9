"""Identifiers that people read aloud and type: card numbers and case references.

Both use Crockford's base-32 alphabet (no I, L, O or U, so no 1/I or 0/O confusion) and draw
their randomness from :mod:`secrets`, so that nobody can guess a valid one.

Card number: ``FR-MYYZX-2YDPA-K0M2D-BG247`` - the member state, then 19 random characters (95
bits) and one check character, in groups of five. The check character is Luhn mod 32 (the Luhn algorithm generalised to
an alphabet of 32, as in ISO/IEC 7812 for N=10): it catches every single mistyped character and
every swap of two neighbouring characters but one, 0 and Z (like 0 and 9 for the credit-card
Luhn check).

Errors: :class:`IdentifierError` (a ``ValueError``) says what is wrong with a typed identifier.
"""

from __future__ import annotations

import re
import secrets

__all__ = [
    "ALPHABET",
    "IdentifierError",
    "card_number_is_valid",
    "check_character",
    "new_card_number",
    "new_case_reference",
    "normalise_card_number",
]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford's decoding aliases for characters people mistype.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_CARD_RE = re.compile(r"^([A-Z]{2})([0-9A-Z]{20})$")
_N = len(ALPHABET)


class IdentifierError(ValueError):
    """A typed identifier is malformed or fails its check character."""


def check_character(body: str, prefix: str = "") -> str:
    """The Luhn mod 32 check character for ``prefix + body``.

    ``body`` is in :data:`ALPHABET`; ``prefix`` is the member state's two letters, which count
    by their place in A-Z (codes such as LU contain letters that Crockford's alphabet lacks).
    """
    values = [ord(ch) - ord("A") for ch in prefix] + [_VALUE[ch] for ch in body]
    factor = 2
    total = 0
    for value in reversed(values):
        addend = factor * value
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return ALPHABET[(_N - total % _N) % _N]


def _random(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def new_card_number(member_state: str) -> str:
    """A new random card number for ``member_state`` (e.g. ``FR``), check character included."""
    if not re.fullmatch(r"[A-Z]{2}", member_state):
        raise IdentifierError(f"member state must be two capital letters, not {member_state!r}")
    body = _random(19)
    full = body + check_character(body, member_state)
    return f"{member_state}-" + "-".join(full[i : i + 5] for i in range(0, 20, 5))


def normalise_card_number(typed: str) -> str:
    """Upper-case, drop spaces and dashes, map O->0 and I/L->1; raise if the result is no number."""
    compact = re.sub(r"[\s\-]", "", typed.upper())
    if len(compact) < 2:
        raise IdentifierError("a card number starts with two letters for the member state, e.g. FR")
    compact = compact[:2] + compact[2:].translate(_ALIASES)
    m = _CARD_RE.match(compact)
    if not m or any(ch not in _VALUE for ch in m.group(2)):
        raise IdentifierError(
            "a card number is two letters and 20 letters or digits, e.g. FR-MYYZX-2YDPA-K0M2D-BG247"
        )
    state, rest = m.groups()
    return f"{state}-" + "-".join(rest[i : i + 5] for i in range(0, 20, 5))


def card_number_is_valid(typed: str) -> bool:
    """True when ``typed`` is well formed and its check character matches."""
    try:
        number = normalise_card_number(typed)
    except IdentifierError:
        return False
    compact = number.replace("-", "")
    return check_character(compact[2:-1], compact[:2]) == compact[-1]


def new_case_reference(member_state: str) -> str:
    """A case reference such as ``FR-A7K3M-9QX2H`` (50 random bits; not secret, not guessable)."""
    body = _random(10)
    return f"{member_state}-{body[:5]}-{body[5:]}"
