"""Every text the screening package shows to people, in one place.

A hit's reasons carry a stable ``code`` and a dict of ``params``; the English text is
``render(code, params)``. Every template is marked with ``gettext_noop``
(:mod:`relocard.core.i18n`), so Django's ``makemessages`` puts it in the one catalogue, and
:func:`message` turns a reason into a :class:`~relocard.core.i18n.Msg` that the shell stores
and renders in the reader's language (a date of birth as that language writes dates, a script's
name translated). Codes are part of the interface: never rename one, add a new code instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from relocard.core.i18n import Day, Items, Msg, gettext_noop

REASON_TEMPLATES: Final[Mapping[str, str]] = {
    "name": gettext_noop("{query} ~ listed name {alias} (name score {name_score})"),
    "parts": gettext_noop("name parts agree: {pairs}"),
    "script": gettext_noop(
        "matched across scripts: {query_script} query, {alias_script} listed name"
    ),
    "order": gettext_noop("name parts in another order"),
    "middle_only_listed": gettext_noop("the listed name also has the middle name {alias_middle}"),
    "middle_only_query": gettext_noop("the query also has the middle name {query_middle}"),
    "middle_differs": gettext_noop(
        "middle names (patronymics) differ: {query_middle} / {alias_middle}"
    ),
    "extra_parts": gettext_noop("name parts without a counterpart: {parts}"),
    "weak_alias": gettext_noop("the list marks this name as a weak alias"),
    "birth_date_same": gettext_noop("date of birth {born} is the listed date of birth"),
    "birth_year_same": gettext_noop(
        "year of birth {born_year} agrees with the listed {listed} (no day listed)"
    ),
    "birth_year_near": gettext_noop(
        "year of birth {born_year} is within a year of the listed {listed}"
    ),
    "birth_unlisted": gettext_noop("the list gives no date of birth: the name alone decides"),
    "birth_not_given": gettext_noop("no date of birth in the query: the name alone decides"),
}


#: The writing systems a reason names (``script``), as a reader says them.
SCRIPT_NAMES: Final[Mapping[str, str]] = {
    "latin": gettext_noop("Latin-script"),
    "cyrillic": gettext_noop("Cyrillic-script"),
    "mixed": gettext_noop("mixed-script"),
    "other": gettext_noop("other-script"),
}

#: A listed date of birth the list marks as approximate (``circa="true"``): ``{date}`` is the
#: date as the list writes it (``1952``, ``1952-10``, ``1950-1955``).
CIRCA: Final[str] = gettext_noop("circa {date}")

#: A listed date of birth that gives only a place.
NO_DATE: Final[str] = gettext_noop("no date")

#: The text of a hit that could not be screened automatically (no usable name).
UNSCREENABLE: Final[str] = gettext_noop(
    "the person's names could not be screened automatically: check them by hand"
)


def render(code: str, params: Mapping[str, Any]) -> str:
    """The reason in English, as the command line and stored rows write it."""
    return message(code, params).render("en")


def message(code: str, params: Mapping[str, Any]) -> Msg:
    """The reason as a message, rendered per language (:meth:`Msg.render`)."""
    values: list[tuple[str, Any]] = []
    for name, value in params.items():
        if isinstance(value, Msg | Items):
            pass  # already a message (a listed date of birth, "circa 1952")
        elif name in ("query_script", "alias_script"):
            value = Msg(SCRIPT_NAMES.get(str(value), str(value)))
        elif isinstance(value, date):
            value = Day(value)
        else:
            # Names, scores and years are shown as written (a year is no number to group).
            value = str(value)
        values.append((name, value))
    return Msg(REASON_TEMPLATES[code], tuple(values))
