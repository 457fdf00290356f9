"""Localised pieces of explanations: money, numbers, dates, names, Russian plurals, the basis.

English follows the programme's style ("EUR 12,000", ISO dates); Russian follows Russian
typography ("12 000 евро", "1 января 2026 г.") with the CLDR's plural rules. Formatting goes
through babel; the results are cached because the same few values recur in every explanation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

if TYPE_CHECKING:
    from relocard.core.rules.policy import Parameter

LANGS = ("en", "ru")


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


@lru_cache(maxsize=4096)
def number(value: int | Decimal, lang: str) -> str:
    """``12,000`` in English, ``12 000`` in Russian; cents only when there are any."""
    pattern = "#,##0" if value == int(value) else "#,##0.00"
    return format_decimal(value, format=pattern, locale=lang)


def money(amount: int | Decimal, lang: str) -> str:
    """``EUR 12,000`` in English, ``12 000 евро`` in Russian."""
    if lang == "ru":
        return f"{number(amount, 'ru')} евро"
    return f"EUR {number(amount, 'en')}"


@lru_cache(maxsize=1024)
def day(value: date, lang: str) -> str:
    """ISO in English (as the programme writes dates); ``1 января 2026 г.`` in Russian."""
    if lang == "ru":
        # CLDR puts a narrow no-break space before "г."; a plain no-break space renders in
        # every font and still keeps the year and "г." on one line.
        return format_date(value, format="long", locale="ru").replace("\u202f", "\u00a0")
    return value.isoformat()


def share(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


@cache
def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """The Russian form for ``n`` (CLDR rules: 1, 21 -> one; 2-4, 22-24 -> few; else many)."""
    form = _locale("ru").plural_form(n)
    return {"one": one, "few": few}.get(form, many)


def days_ru(n: int) -> str:
    """``1 день``, ``2 дня``, ``5 дней``."""
    return f"{number(n, 'ru')} {plural_ru(n, 'день', 'дня', 'дней')}"


def days_gen_ru(n: int) -> str:
    """Genitive: ``в течение 1 дня``, ``2 дней``, ``5 дней``."""
    return f"{number(n, 'ru')} {plural_ru(n, 'дня', 'дней', 'дней')}"


def days_en(n: int) -> str:
    return f"{number(n, 'en')} day" if n == 1 else f"{number(n, 'en')} days"


@cache
def language_name(code: str, lang: str) -> str:
    """``French (fr)`` / ``французский (fr)``."""
    name = _locale(lang).languages.get(code, code)
    return f"{name} ({code})"


@cache
def country_name(code: str, lang: str) -> str:
    """``France (FR)`` / ``Франция (FR)``."""
    name = _locale(lang).territories.get(code, code)
    return f"{name} ({code})"


def join(items: Sequence[str], lang: str, word: str = "and") -> str:
    """``a, b and c`` / ``a, b и c``; ``word`` is ``and`` or ``or``."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    glue = {"en": {"and": "and", "or": "or"}, "ru": {"and": "и", "or": "или"}}[lang][word]
    return f"{', '.join(items[:-1])} {glue} {items[-1]}"


def basis(params: Iterable[Parameter], lang: str) -> str:
    """The sentence naming each parameter, since when it is in force, and its sources."""
    parts, sources = [], []
    for p in params:
        if p.overridden:
            when = (
                "what-if override, not in force"
                if lang == "en"
                else "условное значение для моделирования, не действует"
            )
        else:
            since = day(p.since, lang) if p.since else "?"
            when = f"in force since {since}" if lang == "en" else f"действует с {since}"
        if p.reference is not None:
            title = p.reference.source.title if lang == "en" else p.reference.source.title_ru
            if title not in sources:
                sources.append(title)
        parts.append((p.name, when))
    if len(parts) == 1:
        name, when = parts[0]
        text = f"Parameter {name}, {when}" if lang == "en" else f"Параметр {name} {when}"
    else:
        listed = join([f"{name} ({when})" for name, when in parts], lang)
        text = f"Parameters {listed}" if lang == "en" else f"Параметры: {listed}"
    if sources:
        if lang == "en":
            text += ("; source: " if len(sources) == 1 else "; sources: ") + "; ".join(sources)
        else:
            text += ("; источник: " if len(sources) == 1 else "; источники: ") + "; ".join(sources)
    return text + "."
