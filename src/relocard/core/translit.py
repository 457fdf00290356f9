"""Cyrillic to Latin as in passports' machine-readable zones (ICAO Doc 9303, Part 3).

Russian international passports issued since 2013 (FMS order no. 320 of 15 October 2012)
transliterate names with the recommended table of ICAO Doc 9303, Part 3, section 6, "Transliteration
of Cyrillic characters" (e.g. Юлия -> IULIIA, Щукин -> SHCHUKIN, Ъ -> IE, Ь -> nothing).
Older passports may differ (YULIYA); that is why an applicant types the Latin name as printed,
and this function only suggests it.

:data:`CYRILLIC_TO_LATIN` is the whole table: the 33 letters of the Russian alphabet and the
other Cyrillic letters that the table lists (І, Ґ, Ў, Ѓ, Ђ, Ѕ, Ј, Ќ, Љ, Њ, Һ, Џ, Є, Ї, Ѵ, Ѫ).
The table's footnotes give some languages other values for a few letters (Г is H in Belarusian,
Serbian and Ukrainian passports; И is Y in Ukrainian ones; Щ is SHT in Bulgarian ones; Ѓ, Ќ and
Џ are GJ, KJ and DJ in Macedonian ones). The applicants of this programme hold Russian passports,
so those language variants are not applied here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["CYRILLIC_TO_LATIN", "icao_transliterate"]

_TABLE = {
    # The Russian alphabet, in its order (ICAO 9303 Part 3, table rows 1-33 without І).
    "А": "A",
    "Б": "B",
    "В": "V",
    "Г": "G",
    "Д": "D",
    "Е": "E",
    "Ё": "E",
    "Ж": "ZH",
    "З": "Z",
    "И": "I",
    "Й": "I",
    "К": "K",
    "Л": "L",
    "М": "M",
    "Н": "N",
    "О": "O",
    "П": "P",
    "Р": "R",
    "С": "S",
    "Т": "T",
    "У": "U",
    "Ф": "F",
    "Х": "KH",
    "Ц": "TS",
    "Ч": "CH",
    "Ш": "SH",
    "Щ": "SHCH",
    "Ъ": "IE",
    "Ы": "Y",
    "Ь": "",
    "Э": "E",
    "Ю": "IU",
    "Я": "IA",
    # The other letters of the table (Belarusian, Ukrainian, Serbian, Macedonian, old letters).
    "І": "I",
    "Ѵ": "Y",
    "Ґ": "G",
    "Ў": "U",
    "Ѫ": "U",
    "Ѓ": "G",
    "Ђ": "D",
    "Ѕ": "DZ",
    "Ј": "J",
    "Ќ": "K",
    "Љ": "LJ",
    "Њ": "NJ",
    "Һ": "C",
    "Џ": "DZ",
    "Є": "IE",
    "Ї": "I",
}

#: Upper-case Cyrillic letter -> upper-case Latin letters (ICAO Doc 9303, Part 3).
CYRILLIC_TO_LATIN: Final[Mapping[str, str]] = MappingProxyType(_TABLE)


def icao_transliterate(text: str) -> str:
    """Upper-case Latin transliteration; spaces and hyphens kept, other characters passed through.

    ``icao_transliterate("Пётр Ильич") == "PETR ILICH"``. Latin letters, digits and punctuation
    come out upper-cased but otherwise unchanged; to turn a name into the characters of the
    machine-readable zone (``<`` for spaces, no apostrophes), use
    :func:`relocard.core.identity.mrz_name`.
    """
    return "".join(_TABLE.get(ch, ch) for ch in text.upper())
