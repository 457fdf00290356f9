"""Every text the residence package shows to people, in one place.

Warnings and input errors carry a stable ``code`` and a dict of ``params``; the English text is
``TEMPLATES[code].format(**params)``. Every template is marked with ``gettext_noop`` so that the
shell's message extraction finds it; the shell translates with
``gettext(TEMPLATES[code]).format(**params)`` (the templates use ``{name}`` placeholders,
gettext's ``python-brace-format``). A new language never needs a change here.

Codes are part of the interface (the CLI prints them): never rename one, add a new code instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final


def gettext_noop(message: str) -> str:
    """Mark a text for translation without translating it (the core knows no locale).

    The name is the one message extractors look for (``xgettext --keyword=gettext_noop``,
    Django's ``makemessages``), so the shell's catalogue picks these texts up as they are;
    the shell then renders ``gettext(TEMPLATES[code]).format(**params)``.
    """
    return message


#: Warnings attached to a presence result (``PresenceWarning.code``).
WARNING_TEMPLATES: Final[Mapping[str, str]] = {
    "overlapping_records": gettext_noop(
        "Records {records} overlap in time; their days abroad are merged and each day is "
        "counted once. Check the dates."
    ),
    "duplicate_record": gettext_noop(
        "Record {record} repeats record {original} (same dates, same source); it is counted once."
    ),
    "missing_return": gettext_noop(
        "Record {record}: left on {left} with no return recorded; the worst case counts every "
        "day abroad until {worst_until}. Add the return date or evidence of it."
    ),
    "missing_exit": gettext_noop(
        "Record {record}: entered on {entered} with no departure recorded; the worst case "
        "counts every day abroad from {worst_from}. Add the departure date or evidence of it."
    ),
    "at_risk": gettext_noop(
        "In the worst case {absent} days abroad in this period exceed the budget of {budget} "
        "days by {over}."
    ),
    "return_by": gettext_noop("To keep the rule, return on {latest_return} at the latest."),
    "cannot_meet": gettext_noop(
        "{absent} days abroad are already counted in this period, more than the budget of "
        "{budget} days: the rule can no longer be met in this period."
    ),
}

#: Input errors (``ResidenceInputError.code``); ``{path}`` names the field that is wrong.
ERROR_TEMPLATES: Final[Mapping[str, str]] = {
    "wrong_type": gettext_noop("{path}: expected {expected}, got {got}."),
    "missing_field": gettext_noop("{path}: this field is required ({expected})."),
    "unknown_field": gettext_noop(
        "{path}: unknown field {field!r}; the allowed fields are {allowed}."
    ),
    "bad_date": gettext_noop(
        "{path}: {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-03-10."
    ),
    "two_digit_year": gettext_noop(
        "{path}: {value!r} has a two-digit year; write the full date as YYYY-MM-DD, "
        "e.g. 2026-03-10."
    ),
    "no_such_day": gettext_noop("{path}: {value} does not exist: {month} {year} has {days} days."),
    "no_such_month": gettext_noop("{path}: {value} does not exist: months run from 01 to 12."),
    "implausible_year": gettext_noop(
        "{path}: {value}: the year {year} is outside {min_year}-{max_year}; check for a typo."
    ),
    "bad_datetime": gettext_noop(
        "{path}: {value!r} is not a date and time; write it as YYYY-MM-DDTHH:MM:SS followed by "
        'an offset such as +01:00, or add a "tz" field.'
    ),
    "naive_datetime": gettext_noop(
        "{path}: {value!r} has neither a time zone nor an offset; add an offset such as "
        '+01:00, or a "tz" field such as "Europe/Paris".'
    ),
    "unknown_time_zone": gettext_noop(
        '{path}: {value!r} is not a known IANA time zone; use a name such as "Europe/Paris".'
    ),
    "offset_mismatch": gettext_noop(
        "{path}: the offset {offset} does not match the time zone {tz}, which is {expected} "
        "on that date; correct one of them or drop the offset."
    ),
    "tz_without_at": gettext_noop(
        '{path}: "tz" goes only with "at" (a date and time), not with "date".'
    ),
    "date_and_at": gettext_noop('{path}: give either "date" or "at", not both.'),
    "no_date": gettext_noop('{path}: give "date" (YYYY-MM-DD) or "at" (a date and time).'),
    "return_before_departure": gettext_noop(
        "{path}: the return {returned} is before the departure {left}; correct the dates."
    ),
    "exit_before_entry": gettext_noop(
        "{path}: the exit {exit} is before the entry {entry}; correct the dates."
    ),
    "period_reversed": gettext_noop(
        "{path}: the period ends on {end}, before it starts on {start}."
    ),
    "period_too_long": gettext_noop(
        "{path}: the period from {start} to {end} is {days} days long; a trial period is at "
        "most 366 days."
    ),
    "unknown_country": gettext_noop(
        "{path}: {value!r} is not an EU member state; use its upper-case ISO 3166 code, such "
        "as FR, DE, PL or CY."
    ),
    "unknown_european_country": gettext_noop(
        "{path}: {value!r} is not an EU or EFTA state; use its upper-case ISO 3166 code, such "
        "as DE or CH."
    ),
    "unknown_record_type": gettext_noop(
        '{path}: {value!r} is not a record type; use "trip", "exit" or "entry".'
    ),
    "unknown_source": gettext_noop(
        '{path}: {value!r} is not a source; use "declared", "evidence" or "border".'
    ),
    "unknown_border": gettext_noop(
        '{path}: {value!r} is not a border type; use "air", "sea" or "land".'
    ),
    "too_many": gettext_noop("{path}: {count} entries are more than the {limit} allowed."),
    "bulk_bad_shape": gettext_noop("{path}: {detail}"),
}


def render(templates: Mapping[str, str], code: str, params: Mapping[str, object]) -> str:
    """Format the English text of ``code``; a missing parameter is a programming error."""
    return templates[code].format(**params)
