"""Names of countries and languages in the reader's language, from the CLDR data (Babel).

One place for what forms (choices), pages (a code shown as a name) and e-mails need.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from babel import Locale
from django.utils.translation import get_language


def _locale() -> Locale:
    # Babel caches parsed locales: this is a dictionary lookup after the first call.
    return Locale.parse(get_language() or "en", sep="-")


def country_names() -> Mapping[str, str]:
    """ISO 3166 code -> the country's name in the active language."""
    return _locale().territories


def language_names() -> Mapping[str, str]:
    """ISO 639-1 code -> the language's name in the active language."""
    return _locale().languages


def country_name(code: str) -> str:
    """A country's name, or the code itself when CLDR has none."""
    return country_names().get(code, code) if code else ""


def country_choices(codes: Iterable[str]) -> list[tuple[str, str]]:
    """``(code, name)`` pairs sorted by name in the active language, for a form's choices."""
    names = country_names()
    return sorted(((c, names.get(c, c)) for c in codes), key=lambda pair: pair[1])


def member_state_name(state) -> str:
    """A member state's name in the active language: the programme's own English and Russian
    names (``name_en``, ``name_ru``), CLDR's in every other language."""
    language = (get_language() or "en")[:2]
    if language == "en":
        return state.name_en
    if language == "ru":
        return state.name_ru
    return country_name(state.code)
