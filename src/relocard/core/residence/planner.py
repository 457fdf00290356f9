"""The holder's planner: "if I travel from X to Y, am I still on track?"

It answers with the same counting as :func:`~relocard.core.residence.presence.check`, the
planned trip added to the holder's records: the projected present days, the budget left after
the trip, the latest return for a departure on that day that still meets the rule, and, given
the holder's stays in other Schengen states, how many days the 90/180 rule allows from that
day (the trip's days in another Schengen state count there, the day of leaving and the day of
returning included).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from relocard.core.residence.errors import ResidenceInputError
from relocard.core.residence.presence import (
    DayRange,
    PresenceResult,
    Status,
    analyse,
    check,
    latest_return,
)
from relocard.core.residence.records import CheckInput, Trip
from relocard.core.residence.schengen import SchengenInput, SchengenResult, Stay, schengen_check


@dataclass(frozen=True, slots=True)
class SchengenPlan:
    """The 90/180 side of a plan: figures on the as-of date and from the day of leaving."""

    figures: SchengenResult  # control date: the as-of date; planned entry: the day of leaving
    trip_days: int  # days of the trip in another Schengen state, both ends included
    fits: bool
    latest_exit: date | None  # last day the 90/180 rule allows for a stay starting on leave

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.figures.to_dict(),
            "trip_days": self.trip_days,
            "fits": self.fits,
            "latest_exit": None if self.latest_exit is None else self.latest_exit.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class PlanResult:
    """The answer for one planned trip; ``to_dict()`` is the CLI's ``plan`` output."""

    leave: date
    return_: date
    trip_absent_days: int  # the trip's own absence days inside the period
    with_trip: PresenceResult  # the check with the trip added as a planned record
    latest_return: date | None  # latest return after leaving on ``leave`` that keeps the rule
    schengen: SchengenPlan | None
    #: The budget would allow a later return, but the period (the card) ends first:
    #: ``latest_return`` is then the period's last day.
    return_by_period_end: bool = False

    @property
    def status(self) -> Status:
        return self.with_trip.status

    @property
    def on_track(self) -> bool:
        return self.with_trip.status in (Status.MET, Status.ON_TRACK)

    @property
    def budget_left(self) -> DayRange:
        return self.with_trip.budget_left

    @property
    def present_days_projected(self) -> DayRange:
        """Present days over the whole period with the trip, the future taken as present."""
        days, projected = self.with_trip.days_in_period, self.with_trip.projected_absent_days
        return DayRange(days - projected.max, days - projected.min)

    def to_dict(self) -> dict[str, Any]:
        return {
            "leave": self.leave.isoformat(),
            "return": self.return_.isoformat(),
            "on_track": self.on_track,
            "status": self.status.value,
            "trip_absent_days": self.trip_absent_days,
            "present_days_projected": self.present_days_projected.to_dict(),
            "budget_left": self.budget_left.to_dict(),
            "latest_return": None if self.latest_return is None else self.latest_return.isoformat(),
            "schengen": None if self.schengen is None else self.schengen.to_dict(),
            "return_by_period_end": self.return_by_period_end,
        }


def plan_trip(
    inp: CheckInput,
    leave: date,
    return_: date,
    *,
    schengen_stays: Iterable[Stay] | None = None,
) -> PlanResult:
    """What a trip from ``leave`` to ``return_`` does to the holder's presence (and 90/180).

    ``latest_return`` is the last return date after leaving on ``leave`` that keeps the
    worst case within the absence budget (``None`` when leaving that day is already too
    much, or when the day of leaving is not before the period's end). It is never after the
    period's last day: the period is the card's year, and a holder comes back on the card
    while it is valid; when the budget alone would allow longer, ``return_by_period_end``
    says so. It counts the day of
    leaving as a known present day; it ignores that the return day would also narrow the
    uncertainty of records after it, so it errs on the safe side.
    """
    if return_ < leave:
        raise ResidenceInputError(
            "return_before_departure",
            "return",
            returned=return_.isoformat(),
            left=leave.isoformat(),
        )
    with_trip = check(replace(inp, records=(*inp.records, Trip(leave, return_))))

    start, end = inp.period.start.toordinal(), inp.period.end.toordinal()
    first, last = leave.toordinal() + 1, return_.toordinal() - 1
    trip_absent = max(0, min(last, end) - max(first, start) + 1)

    back: int | None = None
    capped = False
    if leave.toordinal() < end:
        leaving = analyse(replace(inp, records=(*inp.records, Trip(leave, leave))))
        back = latest_return(leaving.most(start, end), first, start, end, leaving.budget)
        if back is not None and back > end:
            back, capped = end, True

    schengen = None
    if schengen_stays is not None:
        stays = tuple(schengen_stays)
        figures = schengen_check(SchengenInput(stays, inp.as_of, leave))
        allowed = figures.max_stay_from_planned_entry or 0
        trip_days = (return_ - leave).days + 1
        schengen = SchengenPlan(
            figures=figures,
            trip_days=trip_days,
            fits=trip_days <= allowed,
            latest_exit=leave + timedelta(days=allowed - 1) if allowed else None,
        )

    return PlanResult(
        leave=leave,
        return_=return_,
        trip_absent_days=trip_absent,
        with_trip=with_trip,
        latest_return=None if back is None else date.fromordinal(back),
        schengen=schengen,
        return_by_period_end=capped,
    )
