"""Pieces of explanations: values formatted per language, and the basis of a criterion.

Explanations are :class:`relocard.core.i18n.Msg` values (an English template and typed
parameters) rendered in the reader's language from the gettext catalogue: see
:mod:`relocard.core.i18n`. English follows the programme's style ("EUR 12,000", ISO dates);
Russian follows Russian typography ("12 000 евро", "1 января 2026 г.") with the CLDR's plural
rules; every other language its CLDR conventions.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from relocard.core import i18n
from relocard.core.i18n import Count, Day, Msg, gettext_noop, msg, ngettext_lazy

if TYPE_CHECKING:
    from relocard.core.rules.policy import Parameter, Source

number = i18n.number
day = i18n.day
country_name = i18n.country_name
language_name = i18n.language_name
join = i18n.join

DAYS = ngettext_lazy("{n} day", "{n} days")
#: The genitive after "for" (Russian "в течение 5 дней").
DAYS_OF_ABSENCE = ngettext_lazy("{n} day of absence", "{n} days of absence")


def money(amount: int | Decimal, lang: str) -> str:
    """``EUR 12,000`` in English, ``12 000 евро`` in Russian."""
    return Msg("{m}", (("m", i18n.Money(amount)),)).render(lang)


def share(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def days(n: int, lang: str) -> str:
    """``1 day``, ``5 days``; ``1 день``, ``2 дня``, ``5 дней``."""
    return Msg("{d}", (("d", Count(n, DAYS)),)).render(lang)


def source_title(source: Source, lang: str) -> str:
    """A source's title in ``lang``: its own translation when the policy gives one, English
    otherwise (docs/languages.md: policy texts are data, not catalogue entries)."""
    return source.title_in(lang)


# --- the basis: the technical details behind a criterion's result -----------------------------


WHAT_IF = gettext_noop("what-if override, not in force")
IN_FORCE = gettext_noop("in force since {since}")
ONE_PARAMETER = gettext_noop("Parameter {name}, {when}.")
PARAMETER_ITEM = gettext_noop("{name} ({when})")
PARAMETERS = gettext_noop("Parameters {list}.")


def basis(params: Iterable[Parameter]) -> Msg:
    """The parameters a criterion read, and since when each is in force (a disclosure's
    content: the applicant's reason never names parameters)."""
    parts = []
    for p in params:
        if p.overridden:
            when: Msg = Msg(WHAT_IF)
        else:
            when = msg(IN_FORCE, since=Day(p.since) if p.since else "?")
        parts.append((p.name, when))
    if len(parts) == 1:
        name, when = parts[0]
        return msg(ONE_PARAMETER, name=name, when=when)
    items = tuple(msg(PARAMETER_ITEM, name=name, when=when) for name, when in parts)
    return msg(PARAMETERS, list=i18n.Items(items))


def sources(params: Iterable[Parameter]) -> tuple[Source, ...]:
    """The distinct sources of ``params`` (the legal basis, cited once per evaluation)."""
    found: dict[str, Source] = {}
    for p in params:
        if p.reference is not None:
            found.setdefault(p.reference.source.id, p.reference.source)
    return tuple(found.values())
