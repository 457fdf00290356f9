"""The holder's planner: still on track after this trip, and what 90/180 allows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from residence_strategies import check_inputs, day

from relocard.core.residence import (
    CheckInput,
    Period,
    ResidenceInputError,
    Status,
    Stay,
    Trip,
    check,
    plan_trip,
)

YEAR = Period(day("2026-01-01"), day("2026-12-31"))


def holder(*trips: Trip, as_of: str = "2026-06-30") -> CheckInput:
    return CheckInput("FR", YEAR, day(as_of), trips)


def test_a_short_trip_keeps_the_holder_on_track() -> None:
    plan = plan_trip(
        holder(Trip(day("2026-03-01"), day("2026-03-11"))), day("2026-08-01"), day("2026-08-15")
    )
    assert plan.on_track
    assert plan.status is Status.ON_TRACK
    assert plan.trip_absent_days == 13
    assert plan.budget_left.min == 91 - 9 - 13
    assert plan.present_days_projected.min == 365 - 9 - 13
    assert plan.latest_return == day("2026-08-01") + timedelta(days=91 - 9 + 1)
    assert plan.schengen is None


def test_a_long_trip_puts_the_holder_at_risk() -> None:
    plan = plan_trip(
        holder(Trip(day("2026-03-01"), day("2026-04-20"))), day("2026-08-01"), day("2026-10-01")
    )
    assert not plan.on_track
    assert plan.status is Status.AT_RISK
    assert plan.budget_left.min < 0
    assert plan.latest_return is not None and plan.latest_return < day("2026-10-01")


def test_the_latest_return_is_exact() -> None:
    inp = holder(Trip(day("2026-03-01"), day("2026-03-20")))
    plan = plan_trip(inp, day("2026-09-01"), day("2026-09-02"))
    assert plan.latest_return is not None
    assert plan_trip(inp, day("2026-09-01"), plan.latest_return).on_track
    assert not plan_trip(inp, day("2026-09-01"), plan.latest_return + timedelta(days=1)).on_track


def test_the_latest_return_is_capped_at_the_cards_last_day() -> None:
    # Leaving ten days before the card ends with the whole budget left: the budget alone
    # would allow staying abroad past the end, but the holder comes back on a valid card.
    plan = plan_trip(holder(), day("2026-12-21"), day("2026-12-25"))
    assert plan.latest_return == day("2026-12-31") and plan.return_by_period_end
    early = plan_trip(holder(), day("2026-08-01"), day("2026-08-15"))
    assert not early.return_by_period_end


def test_no_latest_return_when_the_budget_is_gone_or_the_period_over() -> None:
    spent = holder(Trip(day("2026-01-01"), day("2026-05-01")))
    assert plan_trip(spent, day("2026-08-01"), day("2026-08-02")).latest_return is None
    after = plan_trip(holder(), day("2027-01-10"), day("2027-01-20"))
    assert after.latest_return is None
    assert after.trip_absent_days == 0
    assert after.on_track


def test_return_before_leaving_is_refused() -> None:
    with pytest.raises(ResidenceInputError, match="before the departure"):
        plan_trip(holder(), day("2026-08-10"), day("2026-08-01"))


def test_schengen_side_of_a_plan() -> None:
    stays = [Stay(day("2026-04-01"), day("2026-05-20"), "DE")]  # 50 days
    plan = plan_trip(holder(), day("2026-07-01"), day("2026-07-30"), schengen_stays=stays)
    assert plan.schengen is not None
    assert plan.schengen.figures.days_used == 50  # on the as-of date
    assert plan.schengen.trip_days == 30
    assert plan.schengen.figures.max_stay_from_planned_entry == 40
    assert plan.schengen.fits
    assert plan.schengen.latest_exit == day("2026-08-09")
    too_long = plan_trip(holder(), day("2026-07-01"), day("2026-08-15"), schengen_stays=stays)
    assert too_long.schengen is not None and not too_long.schengen.fits
    out = plan.to_dict()
    assert out["schengen"]["max_stay_from_planned_entry"] == 40
    assert out["schengen"]["latest_exit"] == "2026-08-09"


def test_to_dict_keys() -> None:
    out = plan_trip(holder(), day("2026-08-01"), day("2026-08-15")).to_dict()
    assert list(out) == [
        "leave",
        "return",
        "on_track",
        "status",
        "trip_absent_days",
        "present_days_projected",
        "budget_left",
        "latest_return",
        "schengen",
        "return_by_period_end",
    ]


@given(check_inputs(with_crossings=False, open_ends=False), st.data())
def test_plan_equals_check_with_the_trip_added(inp: CheckInput, data: st.DataObject) -> None:
    leave = data.draw(st.dates(inp.period.start - timedelta(days=5), inp.period.end))
    back = leave + timedelta(days=data.draw(st.integers(0, 120)))
    plan = plan_trip(inp, leave, back)
    direct = check(replace(inp, records=(*inp.records, Trip(leave, back))))
    assert plan.with_trip == direct
    assert plan.on_track == (direct.status in (Status.MET, Status.ON_TRACK))


@given(check_inputs(), st.data())
def test_returning_by_the_latest_return_keeps_the_rule(
    inp: CheckInput, data: st.DataObject
) -> None:
    leave = data.draw(st.dates(inp.period.start - timedelta(days=5), inp.period.end))
    plan = plan_trip(inp, leave, leave)
    if plan.latest_return is None:
        return
    kept = plan_trip(inp, leave, plan.latest_return)
    assert kept.with_trip.budget_left.min >= 0
    assert plan.latest_return <= inp.period.end  # never after the card ends
    if (
        all(r.left < leave for r in inp.records if isinstance(r, Trip))
        and all(isinstance(r, Trip) for r in inp.records)
        and not plan.return_by_period_end
    ):
        # Nothing after the departure to narrow: the date is exact.
        late = plan_trip(inp, leave, plan.latest_return + timedelta(days=1))
        assert late.with_trip.budget_left.min < 0


def test_plan_for_a_holder_abroad_now() -> None:
    inp = holder(Trip(day("2026-06-20"), None))
    plan = plan_trip(inp, day("2026-09-01"), day("2026-09-05"))
    # The planned departure proves the holder is back by 1 September: worst case 21 June..31 August.
    assert plan.with_trip.projected_absent_days.max == 72 + 3
    assert plan.on_track
    assert date(2026, 9, 1) < plan.latest_return  # type: ignore[operator]
