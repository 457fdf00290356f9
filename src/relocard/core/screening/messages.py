"""Every text the screening package shows to people, in one place.

A hit's reasons carry a stable ``code`` and a dict of ``params``; the English text is
``REASON_TEMPLATES[code].format(**params)``. The shell that shows reasons to a screening
officer translates the template, not the rendered text. Codes are part of the interface: never
rename one, add a new code instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

REASON_TEMPLATES: Final[Mapping[str, str]] = {
    "name": "{query} ~ listed name {alias} (name score {name_score})",
    "parts": "name parts agree: {pairs}",
    "script": "matched across scripts: {query_script} query, {alias_script} listed name",
    "order": "name parts in another order",
    "middle_only_listed": "the listed name also has the middle name {alias_middle}",
    "middle_only_query": "the query also has the middle name {query_middle}",
    "middle_differs": "middle names (patronymics) differ: {query_middle} / {alias_middle}",
    "extra_parts": "name parts without a counterpart: {parts}",
    "weak_alias": "the list marks this name as a weak alias",
    "birth_date_same": "date of birth {born} is the listed date of birth",
    "birth_year_same": "year of birth {born_year} agrees with the listed {listed} (no day listed)",
    "birth_year_near": "year of birth {born_year} is within a year of the listed {listed}",
    "birth_unlisted": "the list gives no date of birth: the name alone decides",
    "birth_not_given": "no date of birth in the query: the name alone decides",
}


def render(code: str, params: Mapping[str, Any]) -> str:
    return REASON_TEMPLATES[code].format(**params)
