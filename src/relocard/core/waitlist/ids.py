"""Entry ids: the pseudonymous name of a request on the public waiting list.

``HV-K3M9-QXA7-PD2Y-B8NN``: the letters ``HV`` (humanitarian visa), then 15 random characters
(75 bits) from Crockford's base-32 alphabet and one check character, in groups of four. The
randomness comes from :mod:`secrets`; the id is derived from nothing about the person (not a
hash of a name or passport number, which anyone holding a list of passports could recompute),
has nothing in common with the person's card case or card number, and says nothing about when
or where the request was made. The check character is the Luhn mod 32 character of
:mod:`relocard.core.identifiers` (over ``HV`` and the 15 characters): it catches every single
mistyped character and almost every swap of two neighbours.

An entry id is not a secret: it is published in the ledger with every event of its entry. It is
what the person's receipt names, so that they, and only those they show it to, can find their
own entry among the others.
"""

from __future__ import annotations

import functools
import re
import secrets

from relocard.core.identifiers import ALPHABET, check_character
from relocard.core.waitlist.errors import EntryIdError

__all__ = [
    "ENTRY_ID_EXAMPLE",
    "PREFIX",
    "entry_id_is_valid",
    "is_entry_id",
    "new_entry_id",
    "normalise_entry_id",
]

PREFIX = "HV"
_RANDOM = 15
_GROUP = 4
ENTRY_ID_EXAMPLE = "HV-K3M9-QXA7-PD2Y-B8NN"
_CANONICAL = re.compile(rf"^{PREFIX}(?:-[{ALPHABET}]{{{_GROUP}}}){{4}}$")
# Crockford's decoding aliases for characters people mistype.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _group(compact: str) -> str:
    return f"{PREFIX}-" + "-".join(compact[i : i + _GROUP] for i in range(0, len(compact), _GROUP))


def new_entry_id() -> str:
    """A new random entry id, check character included."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(_RANDOM))
    return _group(body + check_character(body, PREFIX))


def is_entry_id(text: object) -> bool:
    """True when ``text`` is an entry id exactly as written in a ledger (canonical form) and
    its check character matches."""
    return isinstance(text, str) and _is_canonical(text)


@functools.lru_cache(maxsize=1 << 16)  # a ledger names each entry in several records
def _is_canonical(text: str) -> bool:
    if not _CANONICAL.match(text):
        return False
    compact = text[len(PREFIX) :].replace("-", "")
    return check_character(compact[:-1], PREFIX) == compact[-1]


def normalise_entry_id(typed: str) -> str:
    """An entry id as typed by a person, in canonical form; :class:`EntryIdError` if it is none.

    Case, spaces and dashes do not matter, and O reads as 0, I and L as 1.
    """
    compact = re.sub(r"[\s\-]", "", str(typed).upper())
    if not compact.startswith(PREFIX):
        raise EntryIdError(f"an entry id starts with {PREFIX}, e.g. {ENTRY_ID_EXAMPLE}")
    body = compact[len(PREFIX) :].translate(_ALIASES)
    if len(body) != _RANDOM + 1 or any(ch not in ALPHABET for ch in body):
        raise EntryIdError(
            f"an entry id is {PREFIX} and {_RANDOM + 1} letters or digits, e.g. {ENTRY_ID_EXAMPLE}"
        )
    if check_character(body[:-1], PREFIX) != body[-1]:
        raise EntryIdError(
            "this entry id has a typing mistake (its check character does not match); "
            "copy it again from the receipt"
        )
    return _group(body)


def entry_id_is_valid(typed: str) -> bool:
    """True when ``typed`` normalises to an entry id whose check character matches."""
    try:
        normalise_entry_id(typed)
    except EntryIdError:
        return False
    return True
