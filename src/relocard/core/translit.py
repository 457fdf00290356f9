"""Russian Cyrillic to Latin as in the machine-readable zone of Russian passports (ICAO 9303).

Russian international passports issued since 2014 transliterate names with the table of ICAO
Doc 9303, part 3 (e.g. Юлия -> IULIIA, Щукин -> SHCHUKIN). Older passports may differ; that is
why the applicant types the Latin name as printed, and this function only suggests it.
"""

from __future__ import annotations

__all__ = ["icao_transliterate"]

_TABLE = {
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
}


def icao_transliterate(text: str) -> str:
    """Upper-case Latin transliteration; spaces and hyphens kept, other characters passed through."""
    return "".join(_TABLE.get(ch, ch) for ch in text.upper())
