"""Keyed look-up keys that tell whether two records name the same person, without the data.

Two keys per person, each an HMAC-SHA-256 (RFC 2104) under a programme secret, so that a copy
of the index reveals nothing and cannot be searched by whoever knows passport numbers (a plain
hash of a passport number can be: the issuing state can hash every number it issued):

- :func:`passport_key`: the nationality and the passport number, normalised (letters upper
  case, spaces, hyphens and other separators removed; ``75 123-4567`` is ``751234567``);
- :func:`name_key`: the Latin name as the machine-readable zone writes it (a Cyrillic name is
  transliterated with the ICAO 9303 table, diacritics dropped), surname and first given name
  only, with the date of birth. It finds the same person with a new passport.

Each key is prefixed with its kind and a version inside the MAC, so that the two kinds never
collide and a change of normalisation can be rolled out as a new version.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

from relocard.core.identity.names import mrz_name

__all__ = ["name_key", "normalise_name", "normalise_passport_number", "passport_key"]

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def normalise_passport_number(number: str) -> str:
    """``" 75 123-4567 "`` -> ``"751234567"``."""
    return _NOT_ALNUM.sub("", (number or "").upper())


def normalise_name(surname: str, given_names: str) -> str:
    """``("Иванова", "Анна Сергеевна")`` -> ``"IVANOVA<ANNA"``: the zone's characters, the
    surname and the first given name."""
    first = mrz_name(given_names).split("<", 1)[0]
    return f"{mrz_name(surname)}<{first}"


def _mac(secret: bytes, *parts: str) -> str:
    if len(secret) < 32:
        raise ValueError("the person-index secret must be at least 32 bytes")
    message = "\x1f".join(parts).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def passport_key(secret: bytes, *, nationality: str, number: str) -> str:
    """The keyed look-up key of a passport (64 hex digits); empty if there is no number."""
    normalised = normalise_passport_number(number)
    if not normalised:
        return ""
    return _mac(secret, "passport.v1", (nationality or "").upper().strip(), normalised)


def name_key(secret: bytes, *, surname: str, given_names: str, date_of_birth: date | None) -> str:
    """The keyed look-up key of a Latin name and date of birth; empty if either is missing."""
    name = normalise_name(surname, given_names)
    if date_of_birth is None or name.startswith("<") or name.endswith("<"):
        return ""
    return _mac(secret, "name.v1", name, date_of_birth.isoformat())
