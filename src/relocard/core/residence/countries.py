"""Countries: the issuing states' time zones and the Schengen membership calendar.

The counting unit is the local calendar date in the issuing country, so each EU member state
maps to the IANA zone of its capital. Overseas regions with another zone (the Azores, the
Canary Islands, the French overseas departments) are not distinguished: a crossing is dated in
the mainland zone. That is a documented simplification, not an accident.

The membership calendar answers "was this state in the Schengen area on that date?". Two
readings exist and both are needed:

* ``border=None``: did the Schengen acquis apply on the state's territory? This decides whether
  a day spent there counts towards the 90/180 rule (Bulgaria and Romania: from 2024-03-31).
* ``border="air" | "sea" | "land"``: were checks at that kind of internal border lifted?
  (Bulgaria and Romania: air and sea from 2024-03-31, land from 2025-01-01; Croatia: land and
  sea from 2023-01-01, air from 2023-03-26, the start of the summer flight schedule.)

Sources: the Council implementing decisions on each enlargement and the Commission's
announcements on the dates internal border checks ended. Cyprus and Ireland are EU members
outside the area; Iceland, Liechtenstein, Norway and Switzerland are associated states inside.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

from relocard.core.eu import EFTA_STATES, EU_TIME_ZONES
from relocard.core.residence.errors import ResidenceInputError, json_type


class Border(StrEnum):
    """The kind of internal border a crossing uses (for the dated lifting of checks)."""

    AIR = "air"
    SEA = "sea"
    LAND = "land"


#: EU-27 member state (ISO 3166-1 alpha-2) -> IANA time zone of its mainland.

#: The EU's own abbreviation for Greece, accepted as an alias of the ISO code.
_ALIASES: Final = MappingProxyType({"EL": "GR"})


class _Accession(NamedTuple):
    acquis: date  # the acquis applies: days spent there count towards 90/180
    air: date
    sea: date
    land: date


def _same(day: date) -> _Accession:
    return _Accession(day, day, day, day)


_ENLARGEMENT_2007 = _Accession(
    date(2007, 12, 21), air=date(2008, 3, 30), sea=date(2007, 12, 21), land=date(2007, 12, 21)
)

#: State -> dates on which it joined the Schengen area (by the kind of border).
SCHENGEN_ACCESSIONS: Final = MappingProxyType(
    {
        **dict.fromkeys(("BE", "DE", "ES", "FR", "LU", "NL", "PT"), _same(date(1995, 3, 26))),
        "IT": _same(date(1997, 10, 26)),
        "AT": _same(date(1997, 12, 1)),
        "GR": _same(date(2000, 1, 1)),
        **dict.fromkeys(("DK", "FI", "IS", "NO", "SE"), _same(date(2001, 3, 25))),
        **dict.fromkeys(("CZ", "EE", "HU", "LT", "LV", "MT", "PL", "SI", "SK"), _ENLARGEMENT_2007),
        # Switzerland has no sea border; its lake and river crossings follow the land date.
        "CH": _Accession(
            date(2008, 12, 12),
            air=date(2009, 3, 29),
            sea=date(2008, 12, 12),
            land=date(2008, 12, 12),
        ),
        "LI": _same(date(2011, 12, 19)),
        "HR": _Accession(
            date(2023, 1, 1), air=date(2023, 3, 26), sea=date(2023, 1, 1), land=date(2023, 1, 1)
        ),
        **dict.fromkeys(
            ("BG", "RO"),
            _Accession(
                date(2024, 3, 31),
                air=date(2024, 3, 31),
                sea=date(2024, 3, 31),
                land=date(2025, 1, 1),
            ),
        ),
    }
)


def issuing_country(code: object, path: str = "country") -> str:
    """Validate an issuing state's code (an EU member state); return the canonical code."""
    if not isinstance(code, str):
        raise ResidenceInputError(
            "wrong_type", path, expected='a country code such as "FR"', got=json_type(code)
        )
    canonical = _ALIASES.get(code, code)
    if canonical not in EU_TIME_ZONES:
        raise ResidenceInputError("unknown_country", path, value=code)
    return canonical


def european_country(code: object, path: str = "country") -> str:
    """Validate the code of an EU or EFTA state (where a Schengen stay may take place)."""
    if not isinstance(code, str):
        raise ResidenceInputError(
            "wrong_type", path, expected='a country code such as "DE"', got=json_type(code)
        )
    canonical = _ALIASES.get(code, code)
    if canonical not in EU_TIME_ZONES and canonical not in EFTA_STATES:
        raise ResidenceInputError("unknown_european_country", path, value=code)
    return canonical


def time_zone(country: str) -> ZoneInfo:
    """The IANA zone in which the issuing ``country``'s calendar dates are counted."""
    return ZoneInfo(EU_TIME_ZONES[issuing_country(country)])


def schengen_since(country: str, border: Border | str | None = None) -> date | None:
    """The first day ``country`` was in the Schengen area (by ``border``), or ``None`` if never."""
    canonical = european_country(country)
    accession = SCHENGEN_ACCESSIONS.get(canonical)
    if accession is None:
        return None
    if border is None:
        return accession.acquis
    try:
        kind = Border(border)
    except ValueError:
        raise ResidenceInputError("unknown_border", "border", value=border) from None
    return getattr(accession, kind.value)


def in_schengen(country: str, on: date, border: Border | str | None = None) -> bool:
    """Whether ``country`` was in the Schengen area on ``on``.

    Without ``border`` the answer is whether the Schengen acquis applied there that day, which
    is what decides if a day spent there counts towards the 90/180 rule; with ``border`` it is
    whether checks at that kind of internal border had been lifted.
    """
    since = schengen_since(country, border)
    return since is not None and on >= since
