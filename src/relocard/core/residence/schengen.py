"""The second rule: at most 90 days in any 180-day period in other Schengen states.

Conventions, following the European Commission's short-stay calculator and its manual:

* The 180-day period is the day in question and the 179 days before it, moving day by day.
* The day of entry and the day of exit are both days of stay; days are calendar dates.
* ``days_used``: days of stay in the 180-day period ending on the control date.
* ``overstay_days``: the largest number of days beyond 90 in any 180-day period ending on or
  before the control date (an overstay stays visible after the person has left; a continuous
  stay of 99 days is an overstay of 9).
* ``stay_possible_until``: the person is taken to be present on the control date (it is a
  check, or an entry); the last day to which that stay may run without any 180-day period
  holding more than 90 days. ``None`` when the control date itself is already beyond the limit.
* ``max_stay_from_planned_entry``: the longest continuous stay (in days, entry day included)
  starting on the planned entry date that keeps every 180-day period within 90 days; 0 when
  entering that day is not possible.

Stays may overlap (a day counts once) and may lie after the control date (planned stays count
for the continuation and the planned entry). A stay given with a ``country`` counts only the
days on which that state applied the Schengen acquis (Croatia from 2023-01-01; Bulgaria and
Romania from 2024-03-31; never Cyprus or Ireland). Days spent under a residence permit, such as
the relocatee card in its issuing state, do not count: list only stays in other states.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from relocard.core.residence.countries import european_country, schengen_since
from relocard.core.residence.errors import ResidenceInputError, json_type
from relocard.core.residence.records import field_path, parse_date

SCHENGEN_LIMIT: Final = 90
SCHENGEN_WINDOW: Final = 180
MAX_STAYS: Final = 10_000


@dataclass(frozen=True, slots=True)
class Stay:
    """A stay in the Schengen area, entry and exit days included."""

    entry: date
    exit: date
    country: str | None = None

    def __post_init__(self) -> None:
        if self.exit < self.entry:
            raise ResidenceInputError(
                "exit_before_entry",
                "exit",
                exit=self.exit.isoformat(),
                entry=self.entry.isoformat(),
            )
        if self.country is not None:
            object.__setattr__(self, "country", european_country(self.country))

    def counted_from(self) -> date | None:
        """The first day of this stay that counts (membership by date), or None if none do."""
        if self.country is None:
            return self.entry
        since = schengen_since(self.country)
        if since is None or since > self.exit:
            return None
        return max(self.entry, since)


@dataclass(frozen=True, slots=True)
class SchengenInput:
    stays: tuple[Stay, ...]
    control_date: date
    planned_entry: date | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.stays, tuple):
            object.__setattr__(self, "stays", tuple(self.stays))


@dataclass(frozen=True, slots=True)
class SchengenResult:
    """The 90/180 figures; ``to_dict()`` is exactly the CLI's JSON output."""

    days_used: int
    overstay_days: int
    stay_possible_until: date | None
    max_stay_from_planned_entry: int | None

    @property
    def days_left(self) -> int:
        """Days still available in the 180-day period ending on the control date."""
        return max(0, SCHENGEN_LIMIT - self.days_used)

    def to_dict(self) -> dict[str, Any]:
        return {
            "days_used": self.days_used,
            "overstay_days": self.overstay_days,
            "stay_possible_until": (
                None if self.stay_possible_until is None else self.stay_possible_until.isoformat()
            ),
            "max_stay_from_planned_entry": self.max_stay_from_planned_entry,
        }


def parse_stay(raw: object, path: str = "stay") -> Stay:
    if not isinstance(raw, Mapping):
        raise ResidenceInputError("wrong_type", path, expected="a JSON object", got=json_type(raw))
    for key in raw:
        if key not in ("entry", "exit", "country"):
            raise ResidenceInputError(
                "unknown_field", field_path(path, key), field=key, allowed="country, entry, exit"
            )
    for key in ("entry", "exit"):
        if key not in raw:
            raise ResidenceInputError("missing_field", f"{path}.{key}", expected="YYYY-MM-DD")
    entry = parse_date(raw["entry"], f"{path}.entry")
    exit_ = parse_date(raw["exit"], f"{path}.exit")
    country = raw.get("country")
    if country is not None:
        country = european_country(country, f"{path}.country")
    try:
        return Stay(entry, exit_, country)
    except ResidenceInputError as exc:
        raise exc.under(path) from None


def parse_stays(raw: object, path: str = "stays") -> tuple[Stay, ...]:
    if not isinstance(raw, list | tuple):
        raise ResidenceInputError(
            "wrong_type", path, expected="a list of stays", got=json_type(raw)
        )
    if len(raw) > MAX_STAYS:
        raise ResidenceInputError("too_many", path, count=len(raw), limit=MAX_STAYS)
    return tuple(parse_stay(item, f"{path}[{index}]") for index, item in enumerate(raw))


def parse_schengen_input(raw: object) -> SchengenInput:
    """Build a :class:`SchengenInput` from the CLI's JSON document (already decoded)."""
    if not isinstance(raw, Mapping):
        raise ResidenceInputError(
            "wrong_type", "input", expected="a JSON object", got=json_type(raw)
        )
    for key in raw:
        if key not in ("stays", "control_date", "planned_entry"):
            raise ResidenceInputError(
                "unknown_field",
                field_path("", key),
                field=key,
                allowed="control_date, planned_entry, stays",
            )
    if "control_date" not in raw:
        raise ResidenceInputError("missing_field", "control_date", expected="YYYY-MM-DD")
    stays = parse_stays(raw.get("stays", []))
    control = parse_date(raw["control_date"], "control_date")
    planned_raw = raw.get("planned_entry")
    planned = None if planned_raw is None else parse_date(planned_raw, "planned_entry")
    return SchengenInput(stays, control, planned)


class _Days:
    """Days of stay as a 0/1 array with prefix sums over a span of ordinals.

    Plain lists are enough: a span is a few hundred to a few thousand days.
    """

    def __init__(self, lo: int, hi: int) -> None:
        self.lo = lo
        self.present = [0] * (hi - lo + 1)

    def mark(self, first: int, last: int) -> None:
        first, last = max(first, self.lo), min(last, self.lo + len(self.present) - 1)
        for day in range(first, last + 1):
            self.present[day - self.lo] = 1

    def used(self) -> list[int]:
        """used[i]: days of stay in the 180 days ending on lo + i."""
        out, running = [], 0
        present = self.present
        for i, value in enumerate(present):
            running += value
            if i >= SCHENGEN_WINDOW:
                running -= present[i - SCHENGEN_WINDOW]
            out.append(running)
        return out


def _stay_days(stays: tuple[Stay, ...]) -> list[tuple[int, int]]:
    out = []
    for stay in stays:
        first = stay.counted_from()
        if first is not None:
            out.append((first.toordinal(), stay.exit.toordinal()))
    return out


def schengen_check(inp: SchengenInput) -> SchengenResult:
    """Compute the 90/180 figures for ``inp`` (conventions in the module docstring)."""
    intervals = _stay_days(inp.stays)
    control = inp.control_date.toordinal()
    planned = None if inp.planned_entry is None else inp.planned_entry.toordinal()
    horizon = [control, *([planned] if planned is not None else [])]
    lo = min([s for s, _ in intervals] + [day - SCHENGEN_WINDOW for day in horizon])
    hi = max([e for _, e in intervals] + [day + SCHENGEN_LIMIT + 1 for day in horizon])

    days = _Days(lo, hi)
    for first, last in intervals:
        days.mark(first, last)
    used = days.used()
    days_used = used[control - lo]
    overstay = max(0, max(used[: control - lo + 1]) - SCHENGEN_LIMIT)

    return SchengenResult(
        days_used=days_used,
        overstay_days=overstay,
        stay_possible_until=_last_day_of_stay(intervals, control, lo, hi),
        max_stay_from_planned_entry=(
            None if planned is None else _longest_stay(intervals, planned, lo, hi)
        ),
    )


def _first_excess(intervals: list[tuple[int, int]], start: int, lo: int, hi: int) -> int:
    """The first day >= start over the limit if the person stays from ``start`` onwards."""
    days = _Days(lo, hi)
    for first, last in intervals:
        days.mark(first, last)
    days.mark(start, start + SCHENGEN_LIMIT)
    used = days.used()
    for day in range(start, start + SCHENGEN_LIMIT + 1):
        if used[day - lo] > SCHENGEN_LIMIT:
            return day
    raise AssertionError("91 consecutive days always exceed the limit")  # pragma: no cover


def _last_day_of_stay(
    intervals: list[tuple[int, int]], control: int, lo: int, hi: int
) -> date | None:
    excess = _first_excess(intervals, control, lo, hi)
    return None if excess == control else date.fromordinal(excess - 1)


def _longest_stay(intervals: list[tuple[int, int]], planned: int, lo: int, hi: int) -> int:
    return _first_excess(intervals, planned, lo, hi) - planned
