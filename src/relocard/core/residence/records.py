"""Input values for the presence calculator, and the parser that builds them from JSON.

The parser is strict on purpose: a typo in a field name, a two-digit year or a datetime with
no zone would otherwise change a count silently, and a count decides whether someone keeps a
residence card. Every error names the field (``records[3].returned``), says what is wrong and
what to write instead.

Dates are local calendar dates in the issuing country. A crossing given as an instant (an
offset, or a local time with an IANA zone) is converted to the issuing country's zone with
:mod:`zoneinfo` and only its local date is kept: never 86,400-second arithmetic.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from relocard.core.residence.countries import issuing_country, time_zone
from relocard.core.residence.errors import ResidenceInputError, json_type

#: A trial period is one year: 365 or 366 days.
MAX_PERIOD_DAYS: Final = 366
#: More records than this is not a holder's travel history but a mistake (or an attack).
MAX_RECORDS: Final = 10_000
#: Years outside this range are typos (0202, 2206), not travel.
MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2199

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TWO_DIGIT_YEAR = re.compile(r"\d{1,2}[-./]\d{1,2}[-./]\d{2}|\d{2}-\d{2}-\d{2}")
_DATETIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)"
    r"(?P<offset>Z|[+-]\d{2}:\d{2})?"
)


class Source(StrEnum):
    """Where a record comes from. Sources never change a count (absences are merged as a
    union); they decide which records are the same trip seen twice and which need evidence."""

    DECLARED = "declared"
    EVIDENCE = "evidence"
    BORDER = "border"


class CrossingKind(StrEnum):
    EXIT = "exit"
    ENTRY = "entry"


@dataclass(frozen=True, slots=True)
class Period:
    """The trial period, both ends included; at most 366 days."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ResidenceInputError(
                "period_reversed", "period", start=self.start.isoformat(), end=self.end.isoformat()
            )
        if self.days > MAX_PERIOD_DAYS:
            raise ResidenceInputError(
                "period_too_long",
                "period",
                start=self.start.isoformat(),
                end=self.end.isoformat(),
                days=self.days,
            )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class Trip:
    """A stay abroad: left the issuing country on ``left``, came back on ``returned``.

    Both dates are present days; the days strictly between them are absences. ``returned`` is
    ``None`` while it is unknown (still abroad, or not recorded).
    """

    left: date
    returned: date | None = None
    source: Source = Source.DECLARED

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", Source(self.source))
        if self.returned is not None and self.returned < self.left:
            raise ResidenceInputError(
                "return_before_departure",
                "returned",
                returned=self.returned.isoformat(),
                left=self.left.isoformat(),
            )


@dataclass(frozen=True, slots=True)
class Crossing:
    """One border crossing of the issuing country's border, dated in its local calendar.

    ``instant`` (an aware UTC datetime) is kept when the crossing was given with a time, so
    that an exit and an entry on the same date are put in the right order.
    """

    kind: CrossingKind
    on: date
    instant: datetime | None = None
    source: Source = Source.DECLARED

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", CrossingKind(self.kind))
        object.__setattr__(self, "source", Source(self.source))
        if self.instant is not None and self.instant.utcoffset() is None:
            raise ResidenceInputError("naive_datetime", "at", value=self.instant.isoformat())

    @classmethod
    def at(
        cls,
        kind: CrossingKind | str,
        instant: datetime,
        country: str,
        source: Source | str = Source.DECLARED,
    ) -> Crossing:
        """A crossing at an aware ``instant``, dated in the issuing ``country``'s zone."""
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ResidenceInputError("naive_datetime", "at", value=instant.isoformat())
        local = instant.astimezone(time_zone(country))
        return cls(CrossingKind(kind), local.date(), instant.astimezone(UTC), Source(source))


Record = Trip | Crossing


@dataclass(frozen=True, slots=True)
class CheckInput:
    """Everything the presence check needs, and nothing else (no names, no destinations)."""

    country: str
    period: Period
    as_of: date
    records: tuple[Record, ...] = field(default=())

    def __post_init__(self) -> None:
        issuing_country(self.country)
        if not isinstance(self.records, tuple):
            object.__setattr__(self, "records", tuple(self.records))


# --- parsing -------------------------------------------------------------------------------


def parse_date(value: object, path: str) -> date:
    """Parse an ISO date ``YYYY-MM-DD`` (or pass a :class:`date` through), strictly."""
    if isinstance(value, date) and not isinstance(value, datetime):
        _check_year(value, value.isoformat(), path)
        return value
    if not isinstance(value, str):
        raise ResidenceInputError(
            "wrong_type", path, expected='a date as "YYYY-MM-DD"', got=json_type(value)
        )
    match = _DATE.fullmatch(value)
    if match is None:
        if _TWO_DIGIT_YEAR.fullmatch(value):
            raise ResidenceInputError("two_digit_year", path, value=value)
        raise ResidenceInputError("bad_date", path, value=value)
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise ResidenceInputError("no_such_month", path, value=value)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ResidenceInputError(
            "implausible_year", path, value=value, year=year, min_year=MIN_YEAR, max_year=MAX_YEAR
        )
    days_in_month = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days_in_month:
        raise ResidenceInputError(
            "no_such_day",
            path,
            value=value,
            month=calendar.month_name[month],
            year=year,
            days=days_in_month,
        )
    return date(year, month, day)


def parse_instant(value: object, tz: object, path: str) -> datetime:
    """Parse ``at`` (and its optional ``tz``) into an aware datetime.

    The offset, the zone, or both (then they must agree) make the instant unambiguous. A local
    time that a daylight-saving change skips or repeats is read with ``fold=0``, the reading
    before the change; the date it lands on is the same either way in its own zone.
    """
    at_path = f"{path}.at"
    if isinstance(value, datetime):
        parsed = value
        text = value.isoformat()
    elif isinstance(value, str):
        text = value
        match = _DATETIME.fullmatch(value)
        if match is None:
            head = value[:10]
            if _DATE.fullmatch(head) is None and _TWO_DIGIT_YEAR.match(value):
                raise ResidenceInputError("two_digit_year", at_path, value=value)
            raise ResidenceInputError("bad_datetime", at_path, value=value)
        parse_date(match["date"], at_path)  # 30 February and friends get the date's message
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:  # 25:00 and the like
            raise ResidenceInputError("bad_datetime", at_path, value=value) from None
    else:
        raise ResidenceInputError(
            "wrong_type",
            at_path,
            expected='a date and time such as "2026-03-29T23:30:00+01:00"',
            got=json_type(value),
        )
    if tz is None:
        if parsed.tzinfo is None:
            raise ResidenceInputError("naive_datetime", at_path, value=text)
        return parsed
    zone = _zone(tz, f"{path}.tz")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=zone)
    expected = parsed.replace(tzinfo=None).replace(tzinfo=zone).utcoffset()
    if expected != parsed.utcoffset():
        raise ResidenceInputError(
            "offset_mismatch",
            at_path,
            offset=_format_offset(parsed.utcoffset()),
            tz=zone.key,
            expected=_format_offset(expected),
        )
    return parsed


def parse_record(raw: object, country: str, path: str = "record") -> Record:
    """Parse one record (a trip, or an exit or entry crossing) of the check input."""
    obj = _object(raw, path)
    kind = obj.get("type")
    if kind is None:
        raise ResidenceInputError(
            "missing_field", f"{path}.type", expected='"trip", "exit" or "entry"'
        )
    if kind == "trip":
        _only(obj, {"type", "left", "returned", "source"}, path)
        if "left" not in obj:
            raise ResidenceInputError(
                "missing_field", f"{path}.left", expected="the date of departure, YYYY-MM-DD"
            )
        left = parse_date(obj["left"], f"{path}.left")
        returned_raw = obj.get("returned")
        returned = None if returned_raw is None else parse_date(returned_raw, f"{path}.returned")
        source = _source(obj.get("source"), path)
        try:
            return Trip(left, returned, source)
        except ResidenceInputError as exc:
            raise exc.under(path) from None
    if kind in ("exit", "entry"):
        _only(obj, {"type", "date", "at", "tz", "source"}, path)
        source = _source(obj.get("source"), path)
        has_date, has_at = "date" in obj, "at" in obj
        if has_date and has_at:
            raise ResidenceInputError("date_and_at", path)
        if has_date:
            if "tz" in obj:
                raise ResidenceInputError("tz_without_at", f"{path}.tz")
            return Crossing(
                CrossingKind(kind), parse_date(obj["date"], f"{path}.date"), None, source
            )
        if has_at:
            instant = parse_instant(obj["at"], obj.get("tz"), path)
            return Crossing.at(kind, instant, country, source)
        raise ResidenceInputError("no_date", path)
    if isinstance(kind, str):
        raise ResidenceInputError("unknown_record_type", f"{path}.type", value=kind)
    raise ResidenceInputError(
        "wrong_type", f"{path}.type", expected='"trip", "exit" or "entry"', got=json_type(kind)
    )


def parse_input(raw: object) -> CheckInput:
    """Build a :class:`CheckInput` from the CLI's JSON document (already decoded).

    ``as_of`` defaults to the period's last day. Raises :class:`ResidenceInputError` naming
    the first field that is wrong.
    """
    obj = _object(raw, "input")
    _only(obj, {"country", "period", "as_of", "records"}, "")
    if "country" not in obj:
        raise ResidenceInputError(
            "missing_field", "country", expected='the issuing state\'s code, such as "FR"'
        )
    country = issuing_country(obj["country"], "country")
    if "period" not in obj:
        raise ResidenceInputError(
            "missing_field", "period", expected='{"start": YYYY-MM-DD, "end": YYYY-MM-DD}'
        )
    period_obj = _object(obj["period"], "period")
    _only(period_obj, {"start", "end"}, "period")
    for key in ("start", "end"):
        if key not in period_obj:
            raise ResidenceInputError("missing_field", f"period.{key}", expected="YYYY-MM-DD")
    period = Period(
        parse_date(period_obj["start"], "period.start"), parse_date(period_obj["end"], "period.end")
    )
    as_of_raw = obj.get("as_of")
    as_of = period.end if as_of_raw is None else parse_date(as_of_raw, "as_of")
    raw_records = obj.get("records", [])
    if not isinstance(raw_records, list | tuple):
        raise ResidenceInputError(
            "wrong_type", "records", expected="a list of records", got=json_type(raw_records)
        )
    if len(raw_records) > MAX_RECORDS:
        raise ResidenceInputError("too_many", "records", count=len(raw_records), limit=MAX_RECORDS)
    records = tuple(
        parse_record(item, country, f"records[{index}]") for index, item in enumerate(raw_records)
    )
    return CheckInput(country, period, as_of, records)


# --- helpers -------------------------------------------------------------------------------


def _object(raw: object, path: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ResidenceInputError("wrong_type", path, expected="a JSON object", got=json_type(raw))
    return raw


def _only(obj: Mapping[str, Any], allowed: set[str], path: str) -> None:
    for key in obj:
        if key not in allowed:
            raise ResidenceInputError(
                "unknown_field",
                field_path(path, key),
                field=key,
                allowed=", ".join(sorted(allowed)),
            )


def field_path(path: str, key: object) -> str:
    """``path.key``, or ``path['key']`` when the key is not a plain name (keeps errors one line)."""
    if isinstance(key, str) and key.isidentifier() and key.isascii():
        return f"{path}.{key}" if path else key
    return f"{path}[{key!r}]"


def _source(value: object, path: str) -> Source:
    if value is None:
        return Source.DECLARED
    try:
        return Source(value)
    except ValueError:
        raise ResidenceInputError("unknown_source", f"{path}.source", value=value) from None


def _zone(value: object, path: str) -> ZoneInfo:
    if not isinstance(value, str) or not value:
        raise ResidenceInputError(
            "wrong_type",
            path,
            expected='an IANA time zone such as "Europe/Paris"',
            got=json_type(value),
        )
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ResidenceInputError("unknown_time_zone", path, value=value) from None


def _check_year(day: date, text: str, path: str) -> None:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ResidenceInputError(
            "implausible_year",
            path,
            value=text,
            year=day.year,
            min_year=MIN_YEAR,
            max_year=MAX_YEAR,
        )


def _format_offset(offset: timedelta | None) -> str:
    if offset is None:
        return "no offset"
    total = int(offset.total_seconds())
    sign = "-" if total < 0 else "+"
    hours, minutes = divmod(abs(total) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def record_to_dict(record: Record) -> dict[str, Any]:
    """The JSON form of a record, as :func:`parse_record` reads it back (instants in UTC)."""
    if isinstance(record, Trip):
        return {
            "type": "trip",
            "left": record.left.isoformat(),
            "returned": None if record.returned is None else record.returned.isoformat(),
            "source": record.source.value,
        }
    if record.instant is not None:
        return {
            "type": record.kind.value,
            "at": record.instant.isoformat(),
            "source": record.source.value,
        }
    return {"type": record.kind.value, "date": record.on.isoformat(), "source": record.source.value}
