"""Share codes and check ids as people type them: pure functions, no Django.

A share code is 9 characters: one letter for the purpose (``W`` work, ``R`` rent, ``B`` bank)
and 8 random characters of Crockford's base-32 alphabet (no I, L, O or U), so 40 random bits.
It is shown in groups of three (``R7K 3MX 9QH``) and typed in any case, with or without spaces
or dashes; the letters O, I and L are read as 0, 1 and 1, as Crockford's decoding does.

There is no check character: a ninth random character gives five more bits of entropy, and a
mistyped code simply does not match (the answer is the same as for any wrong code).

Check ids (``CHK-XXXXX-XXXXX-XXXXX``, 75 random bits) name a recorded check; anyone holding one
can confirm the check on the public page, so they must not be guessable either.

Errors: :class:`CodeFormatError` (a ``ValueError``) says what is wrong with what was typed.
"""

from __future__ import annotations

import re
import secrets

from relocard.core.identifiers import ALPHABET

__all__ = [
    "ALPHABET",
    "CHECK_ID_RANDOM_CHARS",
    "CODE_LENGTH",
    "PURPOSE_LETTERS",
    "RANDOM_CHARS",
    "CodeFormatError",
    "display_code",
    "entropy_bits",
    "new_check_id",
    "new_share_code",
    "normalise_check_id",
    "normalise_share_code",
    "purpose_of",
]

#: Purpose -> the code's first letter.
PURPOSE_LETTERS: dict[str, str] = {"work": "W", "rent": "R", "bank": "B"}
_PURPOSE_OF_LETTER = {letter: purpose for purpose, letter in PURPOSE_LETTERS.items()}
RANDOM_CHARS = 8
CODE_LENGTH = 1 + RANDOM_CHARS
CHECK_ID_RANDOM_CHARS = 15
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.]")
_VALUES = frozenset(ALPHABET)


class CodeFormatError(ValueError):
    """What was typed cannot be a share code or a check id (the message says why)."""


def entropy_bits() -> float:
    """Random bits in a share code: 8 characters of 32 = 40 bits (the purpose letter adds none)."""
    return RANDOM_CHARS * 5.0


def _random(n: int) -> str:
    """``n`` uniformly random characters: 5 bits each, all drawn by one ``secrets`` call."""
    bits = secrets.randbits(5 * n)
    return "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(n))


def new_share_code(purpose: str) -> str:
    """A new random code for ``purpose`` ("work", "rent" or "bank"), e.g. ``R7K3MX9QH``."""
    try:
        letter = PURPOSE_LETTERS[purpose]
    except KeyError:
        raise CodeFormatError(f"unknown purpose {purpose!r}: use work, rent or bank") from None
    return letter + _random(RANDOM_CHARS)


def normalise_share_code(typed: str) -> str:
    """The canonical 9 characters of a typed code, or :class:`CodeFormatError`.

    Only the shape is checked here; whether such a code exists is decided elsewhere, with the
    same answer for every code that does not match.
    """
    if not isinstance(typed, str):
        raise CodeFormatError("a share code is text")
    compact = _SEPARATORS.sub("", typed).upper()
    if len(compact) != CODE_LENGTH:
        raise CodeFormatError(
            f"a share code has {CODE_LENGTH} letters and digits, e.g. R7K 3MX 9QH"
        )
    letter, rest = compact[0], compact[1:].translate(_ALIASES)
    if letter not in _PURPOSE_OF_LETTER:
        raise CodeFormatError("a share code starts with W (work), R (rent) or B (bank)")
    if any(ch not in _VALUES for ch in rest):
        raise CodeFormatError("a share code has only the letters and digits shown on it")
    return letter + rest


def purpose_of(code: str) -> str:
    """The purpose of a normalised code: "work", "rent" or "bank"."""
    return _PURPOSE_OF_LETTER[code[0]]


def display_code(code: str) -> str:
    """Groups of three for reading aloud: ``R7K 3MX 9QH``."""
    return " ".join(code[i : i + 3] for i in range(0, len(code), 3))


def new_check_id() -> str:
    """A new check id, e.g. ``CHK-7K3MX-9QH2A-BC4DE``."""
    body = _random(CHECK_ID_RANDOM_CHARS)
    return "CHK-" + "-".join(body[i : i + 5] for i in range(0, CHECK_ID_RANDOM_CHARS, 5))


_CHECK_RE = re.compile(rf"^(?:CHK)?([0-9A-Z]{{{CHECK_ID_RANDOM_CHARS}}})$")


def normalise_check_id(typed: str) -> str:
    """The canonical form of a typed check id, or :class:`CodeFormatError`."""
    if not isinstance(typed, str):
        raise CodeFormatError("a check id is text")
    compact = _SEPARATORS.sub("", typed).upper()
    m = _CHECK_RE.match(compact)
    if m is None:
        raise CodeFormatError("a check id looks like CHK-7K3MX-9QH2A-BC4DE")
    body = m.group(1).translate(_ALIASES)
    if any(ch not in _VALUES for ch in body):
        raise CodeFormatError("a check id has only the letters and digits shown on it")
    return "CHK-" + "-".join(body[i : i + 5] for i in range(0, CHECK_ID_RANDOM_CHARS, 5))
