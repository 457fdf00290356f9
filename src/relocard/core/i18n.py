"""Texts the core words for people, in every language, from the one gettext catalogue.

The core knows no Django, yet its texts (rule explanations, criterion titles) must reach
translators in the same catalogue as the pages'. So:

* a text is written once, in English, as a ``{name}`` template marked with
  :func:`gettext_noop` (or :func:`ngettext_lazy` for a count), the names Django's
  ``makemessages`` extracts: the shell's ``django.po`` of each language holds its translation;
* a :class:`Msg` pairs a template with typed parameters (an amount, a date, a country, a list,
  a count, another message) and is rendered per language by :meth:`Msg.render`, which reads
  the compiled catalogue (``locale/<lang>/LC_MESSAGES/django.mo``) with Python's standard
  ``gettext`` and formats each parameter for that language with Babel (CLDR data): numbers,
  dates, lists, country and language names, plurals;
* a language without a catalogue (or a template a catalogue lacks) renders in English: nothing
  is ever lost, and adding a language needs no change here (docs/languages.md).

Messages are plain values: :meth:`Msg.to_json` stores one (the template and the parameters, not
a rendering), :meth:`Msg.from_json` reads it back, so a stored explanation can be read later in
a language added since.
"""

from __future__ import annotations

import functools
import gettext as stdlib_gettext
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

__all__ = [
    "LOCALE_DIR",
    "Count",
    "Country",
    "Day",
    "Items",
    "Language",
    "Money",
    "Msg",
    "PluralText",
    "catalogue",
    "gettext_noop",
    "has_catalogue",
    "ngettext_lazy",
]

#: The compiled catalogues (the shell's ``LOCALE_PATHS``): data files, read, never imported.
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation; it is translated when a :class:`Msg` is rendered."""
    return message


@dataclass(frozen=True, slots=True)
class PluralText:
    """A text with a singular and a plural English form; ``{n}`` is the count."""

    singular: str
    plural: str


def ngettext_lazy(singular: str, plural: str) -> PluralText:
    """Mark a counted text for translation (the name ``makemessages`` extracts as a plural)."""
    return PluralText(singular, plural)


@functools.cache
def catalogue(lang: str) -> stdlib_gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English, or a missing one: the templates as they are)."""
    if lang == "en":
        return stdlib_gettext.NullTranslations()
    return stdlib_gettext.translation("django", LOCALE_DIR, languages=[lang], fallback=True)


def has_catalogue(lang: str) -> bool:
    return (LOCALE_DIR / lang / "LC_MESSAGES" / "django.mo").is_file()


@functools.cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


# --- formatting of single values, per language --------------------------------------------------


@functools.lru_cache(maxsize=4096)
def number(value: int | Decimal, lang: str) -> str:
    """``12,000`` in English, ``12 000`` in Russian, ``12.000`` in German; cents if any."""
    pattern = "#,##0" if value == int(value) else "#,##0.00"
    return format_decimal(value, format=pattern, locale=_locale(lang))


@functools.lru_cache(maxsize=1024)
def day(value: date, lang: str) -> str:
    """ISO in English (as the programme writes dates); CLDR's long date in other languages
    (``1 января 2026 г.``, ``1 janvier 2026``, ``1. Januar 2026``)."""
    if lang == "en":
        return value.isoformat()
    # CLDR puts a narrow no-break space before the Russian "г."; a plain no-break space renders
    # in every font and still keeps the year and "г." on one line.
    return format_date(value, format="long", locale=_locale(lang)).replace("\u202f", "\u00a0")


@functools.cache
def country_name(code: str, lang: str) -> str:
    """``France (FR)`` / ``Франция (FR)`` / ``Frankreich (FR)``."""
    return f"{_locale(lang).territories.get(code, code)} ({code})"


@functools.cache
def language_name(code: str, lang: str) -> str:
    """``French (fr)`` / ``французский (fr)`` / ``Französisch (fr)``."""
    return f"{_locale(lang).languages.get(code, code)} ({code})"


def join(items: Sequence[str], lang: str, word: str = "and") -> str:
    """``a, b and c`` (English, no serial comma, as the programme writes); CLDR's list
    patterns in other languages (``a, b и c``, ``a, b ou c``). ``word`` is ``and`` or ``or``,
    or ``,`` / ``;`` for a plain enumeration (``a, b, c``)."""
    items = list(items)
    if word in (",", ";"):
        return f"{word} ".join(items)
    if len(items) < 2:
        return items[0] if items else ""
    if lang == "en":
        return f"{', '.join(items[:-1])} {word} {items[-1]}"
    patterns = _list_patterns(lang, "standard" if word == "and" else "or")
    if len(items) == 2:
        return patterns["2"].format(*items)
    # CLDR's list patterns, applied as babel.lists.format_list does (patterns cached).
    text = patterns["start"].format(items[0], items[1])
    for item in items[2:-1]:
        text = patterns["middle"].format(text, item)
    return patterns["end"].format(text, items[-1])


@functools.cache
def _list_patterns(lang: str, style: str) -> Mapping[str, str]:
    return dict(_locale(lang).list_patterns[style])


# --- typed parameters ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in euros: ``EUR 12,000`` / ``12 000 евро`` (the pattern is a template)."""

    amount: int | Decimal


@dataclass(frozen=True, slots=True)
class Day:
    value: date


@dataclass(frozen=True, slots=True)
class Country:
    code: str


@dataclass(frozen=True, slots=True)
class Language:
    code: str


@dataclass(frozen=True, slots=True)
class Items:
    """A list joined in the reader's language with ``and`` or ``or``."""

    items: tuple[Any, ...]
    word: str = "and"


@dataclass(frozen=True, slots=True)
class Count:
    """A count with its noun in the right plural form: ``{n}`` in ``text``."""

    n: int
    text: PluralText


MONEY = gettext_noop("EUR {amount}")


@dataclass(frozen=True, slots=True)
class Msg:
    """An English ``{name}`` template and its parameters, rendered in any language."""

    template: str
    params: tuple[tuple[str, Any], ...] = ()

    def render(self, lang: str) -> str:
        """The text in ``lang`` (``ru``, ``fr-FR``...): translated template, formatted values."""
        return _render_msg(self, _base(lang))

    def to_json(self) -> dict[str, Any]:
        return {"t": self.template, "p": {name: _encode(v) for name, v in self.params}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Msg:
        return cls(str(data["t"]), tuple((k, _decode(v)) for k, v in data.get("p", {}).items()))


def msg(template: str, **params: Any) -> Msg:
    return Msg(template, tuple(params.items()))


@functools.lru_cache(maxsize=64)
def _base(lang: str) -> str:
    return lang.lower().split("-")[0].split("_")[0] or "en"


def _render_msg(message: Msg, lang: str) -> str:
    # The hot path of every explanation: strings and nested messages inline, the rest by type.
    text = catalogue(lang).gettext(message.template)
    if not message.params:
        return text
    values = {}
    for name, value in message.params:
        kind = type(value)
        if kind is str:
            values[name] = value
        elif kind is Msg:
            values[name] = _render_msg(value, lang)
        else:
            values[name] = _render(value, lang)
    return text.format_map(values)


def _render(value: Any, lang: str) -> str:
    render = _RENDERERS.get(type(value))
    if render is None:
        return str(value)
    return render(value, lang)


def _render_count(value: Count, lang: str) -> str:
    text = catalogue(lang).ngettext(value.text.singular, value.text.plural, value.n)
    return text.format(n=number(value.n, lang))


_RENDERERS: dict[type, Callable[[Any, str], str]] = {
    str: lambda v, lang: v,
    int: number,
    Decimal: number,
    Fraction: lambda v, lang: f"{v.numerator}/{v.denominator}",
    Money: lambda v, lang: catalogue(lang).gettext(MONEY).format(amount=number(v.amount, lang)),
    Day: lambda v, lang: day(v.value, lang),
    Country: lambda v, lang: country_name(v.code, lang),
    Language: lambda v, lang: language_name(v.code, lang),
    Items: lambda v, lang: join([_render(i, lang) for i in v.items], lang, v.word),
    Count: _render_count,
    Msg: _render_msg,
}


_ENCODERS: dict[type, Callable[[Any], Any]] = {
    str: lambda v: v,
    int: lambda v: v,
    bool: str,
    type(None): str,
    Decimal: lambda v: {"decimal": str(v)},
    Fraction: lambda v: {"share": f"{v.numerator}/{v.denominator}"},
    Money: lambda v: {"money": str(v.amount)},
    Day: lambda v: {"date": v.value.isoformat()},
    Country: lambda v: {"country": v.code},
    Language: lambda v: {"language": v.code},
    Items: lambda v: {"items": [_encode(i) for i in v.items], "word": v.word},
    Count: lambda v: {"count": v.n, "one": v.text.singular, "other": v.text.plural},
    Msg: lambda v: {"msg": v.to_json()},
}


def _encode(value: Any) -> Any:
    encode = _ENCODERS.get(type(value))
    return encode(value) if encode is not None else str(value)


def _amount(text: str) -> int | Decimal:
    value = Decimal(text)
    return int(value) if value == int(value) else value


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if "decimal" in value:
        return Decimal(value["decimal"])
    if "share" in value:
        return Fraction(value["share"])
    if "money" in value:
        return Money(_amount(value["money"]))
    if "date" in value:
        return Day(date.fromisoformat(value["date"]))
    if "country" in value:
        return Country(value["country"])
    if "language" in value:
        return Language(value["language"])
    if "items" in value:
        return Items(tuple(_decode(i) for i in value["items"]), value.get("word", "and"))
    if "count" in value:
        return Count(int(value["count"]), PluralText(value["one"], value["other"]))
    if "msg" in value:
        return Msg.from_json(value["msg"])
    return str(value)
