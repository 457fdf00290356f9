"""Names in the characters of the machine-readable zone (ICAO Doc 9303, Parts 3 and 4).

The zone has only A-Z and the filler ``<``. A name typed in Cyrillic is transliterated with the
ICAO table (:mod:`relocard.core.translit`); Latin letters with diacritics lose them (É -> E),
except the letters that Part 3 writes with two letters (Æ -> AE, ß -> SS, Þ -> TH, ...).
Ä, Ö, Ü and Å may be written either way (Part 3 allows AE or A, OE or O, UE or U, AA or A):
:func:`mrz_name` gives the two-letter form, ``short_umlauts=True`` the one-letter form.
Apostrophes are dropped; spaces, hyphens and other punctuation become one ``<``.

The name field of a TD3 zone is 39 characters: the primary identifier (surname), ``<<``,
then the secondary identifier (given names), components separated by ``<``. A name too long
for the field is truncated (Part 4, 4.2.2.3); the zone's last character is then a letter.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from relocard.core.translit import CYRILLIC_TO_LATIN

__all__ = ["NAME_FIELD_LENGTH", "mrz_name", "mrz_name_field", "split_name_field"]

NAME_FIELD_LENGTH: Final = 39

# Part 3, section 6, table A: letters written with more than one Latin letter. The rest of the
# Latin letters with diacritics (Á, Č, Ł's cousins...) decompose to their base letter.
_LATIN_LONG: Final[dict[str, str]] = {
    "Æ": "AE",
    "Œ": "OE",
    "Ø": "OE",
    "ẞ": "SS",
    "Þ": "TH",
    "Ĳ": "IJ",
    "Ð": "D",
    "Đ": "D",
    "Ħ": "H",
    "Ł": "L",
    "Ŀ": "L",
    "Ŋ": "N",
    "Ŧ": "T",
    "ı": "I",
}
_UMLAUTS_LONG: Final[dict[str, str]] = {"Ä": "AE", "Ö": "OE", "Ü": "UE", "Å": "AA"}
_APOSTROPHES: Final = frozenset("'’ʼ‘`´ʹ")
_FILLERS: Final = re.compile(r"<+")


def _letters(ch: str, short_umlauts: bool) -> str:
    up = ch.upper()  # may be longer than one character: "ß" -> "SS", "ﬁ" -> "FI"
    if up in CYRILLIC_TO_LATIN:
        return CYRILLIC_TO_LATIN[up]
    if _is_latin(up):
        return up
    if up in _LATIN_LONG:
        return _LATIN_LONG[up]
    if up in _UMLAUTS_LONG and not short_umlauts:
        return _UMLAUTS_LONG[up]
    if ch in _APOSTROPHES:
        return ""
    base = "".join(c for c in unicodedata.normalize("NFKD", up) if not unicodedata.combining(c))
    if _is_latin(base):
        return base
    if base in CYRILLIC_TO_LATIN:  # a Cyrillic letter with an accent: Ѐ, Ѝ
        return CYRILLIC_TO_LATIN[base]
    # A separator (space, hyphen, comma, full stop...) or a character the zone cannot show.
    return "<"


def _is_latin(text: str) -> bool:
    return bool(text) and all("A" <= c <= "Z" for c in text)


def mrz_name(text: str, *, short_umlauts: bool = False) -> str:
    """One name (surname or given names) in the zone's characters: ``"Анна-Мария"`` ->
    ``"ANNA<MARIIA"``, ``"O'Brien"`` -> ``"OBRIEN"``, ``"Jürgen"`` -> ``"JUERGEN"``.

    Leading, trailing and repeated separators collapse; the result has only A-Z and single
    ``<`` between components, or is empty.
    """
    text = unicodedata.normalize("NFC", text)
    converted = "".join(_letters(ch, short_umlauts) for ch in text)
    return _FILLERS.sub("<", converted).strip("<")


def mrz_name_field(
    surname: str, given_names: str, *, length: int = NAME_FIELD_LENGTH, short_umlauts: bool = False
) -> str:
    """The zone's name field: ``SURNAME<<GIVEN<NAMES`` filled with ``<`` to ``length``.

    A name longer than the field is cut at ``length`` characters (the simplest of Part 4's
    truncation methods; issuers may instead shorten given names to initials, which
    :func:`relocard.core.identity.compare_identity` accepts too).
    """
    primary = mrz_name(surname, short_umlauts=short_umlauts)
    secondary = mrz_name(given_names, short_umlauts=short_umlauts)
    full = f"{primary}<<{secondary}" if secondary else primary
    return full[:length].ljust(length, "<")


def split_name_field(field: str) -> tuple[str, str]:
    """``"ERIKSSON<<ANNA<MARIA<<<"`` -> ``("ERIKSSON", "ANNA<MARIA")``: the primary and
    secondary identifiers in the zone's characters, trailing fillers removed."""
    primary, _, secondary = field.partition("<<")
    return primary.strip("<"), _FILLERS.sub("<", secondary).strip("<")
