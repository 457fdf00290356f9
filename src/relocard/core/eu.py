"""The European Union's reference data, in one place for the whole code base.

The 27 member states (ISO 3166-1 alpha-2; Greece is GR, not the EU's own EL) with their
English and Russian names and the capital's time zone, and the 24 official languages
(ISO 639-1). The rules, the presence calculator, the credentials and the Django shell all read
these tables instead of keeping copies.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, time
from types import MappingProxyType
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

__all__ = [
    "EFTA_STATES",
    "EU_MEMBER_STATES",
    "EU_OFFICIAL_LANGUAGES",
    "EU_TIME_ZONES",
    "MEMBER_STATES",
    "OFFICIAL_LANGUAGE",
    "MemberStateInfo",
    "day_start",
    "local_date",
    "member_state_zone",
]


class MemberStateInfo(NamedTuple):
    code: str
    name_en: str
    name_ru: str
    time_zone: str


MEMBER_STATES: Final[tuple[MemberStateInfo, ...]] = tuple(
    MemberStateInfo(*row)
    for row in (
        ("AT", "Austria", "Австрия", "Europe/Vienna"),
        ("BE", "Belgium", "Бельгия", "Europe/Brussels"),
        ("BG", "Bulgaria", "Болгария", "Europe/Sofia"),
        ("HR", "Croatia", "Хорватия", "Europe/Zagreb"),
        ("CY", "Cyprus", "Кипр", "Asia/Nicosia"),
        ("CZ", "Czechia", "Чехия", "Europe/Prague"),
        ("DK", "Denmark", "Дания", "Europe/Copenhagen"),
        ("EE", "Estonia", "Эстония", "Europe/Tallinn"),
        ("FI", "Finland", "Финляндия", "Europe/Helsinki"),
        ("FR", "France", "Франция", "Europe/Paris"),
        ("DE", "Germany", "Германия", "Europe/Berlin"),
        ("GR", "Greece", "Греция", "Europe/Athens"),
        ("HU", "Hungary", "Венгрия", "Europe/Budapest"),
        ("IE", "Ireland", "Ирландия", "Europe/Dublin"),
        ("IT", "Italy", "Италия", "Europe/Rome"),
        ("LV", "Latvia", "Латвия", "Europe/Riga"),
        ("LT", "Lithuania", "Литва", "Europe/Vilnius"),
        ("LU", "Luxembourg", "Люксембург", "Europe/Luxembourg"),
        ("MT", "Malta", "Мальта", "Europe/Malta"),
        ("NL", "Netherlands", "Нидерланды", "Europe/Amsterdam"),
        ("PL", "Poland", "Польша", "Europe/Warsaw"),
        ("PT", "Portugal", "Португалия", "Europe/Lisbon"),
        ("RO", "Romania", "Румыния", "Europe/Bucharest"),
        ("SK", "Slovakia", "Словакия", "Europe/Bratislava"),
        ("SI", "Slovenia", "Словения", "Europe/Ljubljana"),
        ("ES", "Spain", "Испания", "Europe/Madrid"),
        ("SE", "Sweden", "Швеция", "Europe/Stockholm"),
    )
)

#: The 27 member states' codes.
EU_MEMBER_STATES: Final[frozenset[str]] = frozenset(m.code for m in MEMBER_STATES)

#: Each member state's time zone (its capital's): the local calendar of presence days.
EU_TIME_ZONES: Final = MappingProxyType({m.code: m.time_zone for m in MEMBER_STATES})

#: Schengen members outside the EU (their days count against 90 in 180).
EFTA_STATES: Final[frozenset[str]] = frozenset({"CH", "IS", "LI", "NO"})

#: The 24 official languages of the European Union (ISO 639-1).
EU_OFFICIAL_LANGUAGES: Final[frozenset[str]] = frozenset(
    [
        "bg",
        "cs",
        "da",
        "de",
        "el",
        "en",
        "es",
        "et",
        "fi",
        "fr",
        "ga",
        "hr",
        "hu",
        "it",
        "lt",
        "lv",
        "mt",
        "nl",
        "pl",
        "pt",
        "ro",
        "sk",
        "sl",
        "sv",
    ]
)

#: The language each member state's administration works and issues decisions in (ISO 639-1):
#: its staff see the console in it by default. Where a state has several official languages,
#: the one its central administration uses most (Cyprus: Greek; Belgium: Dutch; Luxembourg:
#: French; Ireland and Malta: English). The one place this mapping lives.
OFFICIAL_LANGUAGE: Final = MappingProxyType(
    {
        "AT": "de",
        "BE": "nl",
        "BG": "bg",
        "HR": "hr",
        "CY": "el",
        "CZ": "cs",
        "DK": "da",
        "EE": "et",
        "FI": "fi",
        "FR": "fr",
        "DE": "de",
        "GR": "el",
        "HU": "hu",
        "IE": "en",
        "IT": "it",
        "LV": "lv",
        "LT": "lt",
        "LU": "fr",
        "MT": "en",
        "NL": "nl",
        "PL": "pl",
        "PT": "pt",
        "RO": "ro",
        "SK": "sk",
        "SI": "sl",
        "ES": "es",
        "SE": "sv",
    }
)


# --- the member states' calendars -------------------------------------------------------------
#
# A card's dates, a deadline and "today" are calendar days of the member state concerned: a
# date-only validity starts at 00:00 in that state's zone and ends at the next 00:00 there.
# The issuer (the Django shell, through ``MemberState.today()``) and every verifier (the
# offline one included) read the zones from the table above, so that they agree.


@functools.cache
def member_state_zone(code: str) -> ZoneInfo:
    """The time zone of a member state's calendar; ValueError for a code that is not one."""
    try:
        return ZoneInfo(EU_TIME_ZONES[code])
    except (KeyError, TypeError):
        raise ValueError(f"{code!r} is not an EU member state code (e.g. FR)") from None


def local_date(code: str, instant: datetime) -> date:
    """The calendar date in member state ``code`` at an aware ``instant``."""
    if instant.tzinfo is None:
        raise ValueError("the instant must be timezone-aware")
    return instant.astimezone(member_state_zone(code)).date()


@functools.lru_cache(maxsize=4096)
def day_start(code: str, day: date) -> datetime:
    """00:00 of ``day`` in member state ``code``, an aware datetime (in that zone).

    On a day whose midnight does not exist (a zone that moves its clocks at 00:00), zoneinfo
    reads the wall time with the offset before the change, which is the day's first instant.
    """
    return datetime.combine(day, time(0), tzinfo=member_state_zone(code))
