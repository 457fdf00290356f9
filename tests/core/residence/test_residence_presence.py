"""The three-quarters rule: the issue's table of edge cases, oracles and properties."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from residence_strategies import absent_days_by_simulation, check_inputs, day

from relocard.core.residence import (
    CheckInput,
    Crossing,
    CrossingKind,
    Period,
    PresenceResult,
    Source,
    Status,
    Trip,
    check,
    parse_input,
    required_present_days,
)
from relocard.core.residence.presence import build_spans, merge_intervals

YEAR_2026 = {"start": "2026-01-01", "end": "2026-12-31"}


def run(records: list[dict[str, Any]], **extra: Any) -> PresenceResult:
    doc = {"country": "FR", "period": YEAR_2026, "records": records, **extra}
    return check(parse_input(doc))


def trip(left: str, returned: str | None, source: str = "declared") -> dict[str, Any]:
    return {"type": "trip", "left": left, "returned": returned, "source": source}


def plus(text: str, days: int) -> str:
    return (day(text) + timedelta(days=days)).isoformat()


# --- the threshold ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "required"), [(365, 274), (366, 275), (364, 273), (4, 3), (1, 1), (2, 2), (3, 3)]
)
def test_required_days_are_three_quarters_rounded_up(days: int, required: int) -> None:
    assert required_present_days(days) == required
    assert 4 * required >= 3 * days > 4 * (required - 1)


@given(st.integers(1, 366))
def test_required_days_is_the_least_that_meets_four_times_present(days: int) -> None:
    required = required_present_days(days)
    assert 4 * required >= 3 * days
    assert 4 * (required - 1) < 3 * days


# --- the table of edge cases -------------------------------------------------------------------


def test_same_day_trip_costs_no_absence() -> None:
    result = run([trip("2026-03-10", "2026-03-10")])
    assert result.absent_days.max == 0
    assert result.present_days.min == 365


def test_overnight_trip_costs_no_absence_both_days_are_present() -> None:
    result = run([trip("2026-03-10", "2026-03-11")])
    assert (result.absent_days.min, result.absent_days.max) == (0, 0)


def test_two_nights_abroad_cost_one_day() -> None:
    assert run([trip("2026-03-10", "2026-03-12")]).absent_days.max == 1


@pytest.mark.parametrize(
    ("absent", "status", "present"), [(91, Status.MET, 274), (92, Status.NOT_MET, 273)]
)
def test_threshold_91_days_meets_92_does_not(absent: int, status: Status, present: int) -> None:
    result = run([trip("2026-03-01", plus("2026-03-01", absent + 1))])
    assert result.absent_days.max == absent
    assert result.present_days.min == present
    assert result.status is status
    assert result.budget_left.min == 91 - absent


@pytest.mark.parametrize(("absent", "status"), [(91, Status.MET), (92, Status.NOT_MET)])
def test_leap_year_period_needs_275_days(absent: int, status: Status) -> None:
    doc = {
        "country": "DE",
        "period": {"start": "2028-01-01", "end": "2028-12-31"},
        "records": [trip("2028-02-01", plus("2028-02-01", absent + 1))],
    }
    result = check(parse_input(doc))
    assert result.days_in_period == 366
    assert result.required_present_days == 275
    assert result.status is status


def test_leap_day_is_a_day_like_any_other() -> None:
    doc = {
        "country": "PL",
        "period": {"start": "2028-01-01", "end": "2028-12-31"},
        "records": [trip("2028-02-28", "2028-03-01")],
    }
    assert check(parse_input(doc)).absent_days.max == 1  # 29 February


def test_trip_across_the_period_start_counts_only_days_inside() -> None:
    result = run([trip("2025-12-20", "2026-01-10")])
    assert result.absent_days.max == 9  # 1..9 January


def test_trip_across_the_period_end_counts_only_days_inside() -> None:
    result = run([trip("2026-12-25", "2027-01-05")])
    assert result.absent_days.max == 6  # 26..31 December


def test_trip_entirely_outside_the_period_counts_nothing() -> None:
    result = run([trip("2025-10-01", "2025-12-31"), trip("2027-01-01", "2027-03-01")])
    assert result.absent_days.max == 0
    assert result.warnings == ()


def test_overlapping_trips_are_merged_with_a_warning() -> None:
    result = run([trip("2026-03-01", "2026-03-20"), trip("2026-03-10", "2026-03-30")])
    assert result.absent_days.max == 28  # 2..29 March, each day once
    (warning,) = result.warnings
    assert warning.code == "overlapping_records"
    assert warning.records == (0, 1)
    assert "0 and 1" in warning.message


def test_back_to_back_trips_do_not_overlap() -> None:
    result = run([trip("2026-03-01", "2026-03-10"), trip("2026-03-10", "2026-03-20")])
    assert result.absent_days.max == 8 + 9  # 10 March is a present day
    assert result.warnings == ()


def test_duplicate_records_count_once_with_a_warning() -> None:
    result = run([trip("2026-03-01", "2026-03-20"), trip("2026-03-01", "2026-03-20")])
    assert result.absent_days.max == 18
    (warning,) = result.warnings
    assert (warning.code, warning.records) == ("duplicate_record", (0, 1))


def test_same_trip_declared_and_proven_is_one_trip_without_warning() -> None:
    result = run(
        [trip("2026-03-01", "2026-03-20", "declared"), trip("2026-03-01", "2026-03-20", "evidence")]
    )
    assert result.absent_days.max == 18
    assert result.warnings == ()
    (absence,) = result.absences
    assert absence.records == (0, 1)
    assert absence.sources == (Source.DECLARED, Source.EVIDENCE)


def test_trip_and_matching_crossings_are_one_trip() -> None:
    result = run(
        [
            trip("2026-03-01", "2026-03-20"),
            {"type": "exit", "date": "2026-03-01", "source": "border"},
            {"type": "entry", "date": "2026-03-20", "source": "border"},
        ]
    )
    assert result.absent_days.max == 18
    assert result.warnings == ()
    assert result.needs_evidence == ()


def test_missing_exit_gives_a_range_and_needs_evidence() -> None:
    result = run([trip("2026-02-01", "2026-02-10"), {"type": "entry", "date": "2026-03-20"}])
    # The departure lies between 10 February (known present) and 20 March.
    assert result.absent_days.min == 8
    assert result.absent_days.max == 8 + 37  # 11 February .. 19 March
    assert result.needs_evidence == (1,)
    assert [w.code for w in result.warnings] == ["missing_exit"]
    assert result.warnings[0].params["worst_from"] == "2026-02-11"


def test_missing_entry_is_bounded_by_the_next_known_presence() -> None:
    result = run([{"type": "exit", "date": "2026-03-10"}, trip("2026-04-01", "2026-04-05")])
    assert result.absent_days.min == 3
    assert result.absent_days.max == 21 + 3  # 11..31 March, then 2..4 April
    assert result.needs_evidence == (0,)
    assert result.warnings[0].code == "missing_return"
    assert result.warnings[0].params["worst_until"] == "2026-03-31"


def test_missing_exit_with_nothing_before_reaches_the_period_start() -> None:
    result = run([{"type": "entry", "date": "2026-01-15"}])
    assert (result.absent_days.min, result.absent_days.max) == (0, 14)


def test_missing_return_with_nothing_after_reaches_the_period_end() -> None:
    result = run([trip("2026-12-01", None)])
    assert (result.absent_days.min, result.absent_days.max) == (0, 30)
    assert result.status is Status.MET  # 30 days is within the budget even at worst


def test_status_is_judged_on_the_worst_case() -> None:
    result = run([trip("2026-06-01", None)])
    assert result.absent_days.min == 0
    assert result.absent_days.max == 213
    assert result.status is Status.NOT_MET


def test_evidence_of_the_return_settles_an_open_trip() -> None:
    result = run([trip("2026-06-01", None), trip("2026-06-01", "2026-06-15", "evidence")])
    assert (result.absent_days.min, result.absent_days.max) == (13, 13)
    assert result.needs_evidence == ()
    assert all(w.code != "missing_return" for w in result.warnings)


def test_daylight_saving_night_in_spring_uses_local_dates() -> None:
    # 28 March 23:30 (UTC+1) to 30 March 00:30 (UTC+2): 24 hours apart, yet 29 March is absent.
    result = run(
        [
            {"type": "exit", "at": "2026-03-28T23:30:00", "tz": "Europe/Paris"},
            {"type": "entry", "at": "2026-03-30T00:30:00+02:00"},
        ]
    )
    assert result.absent_days.max == 1


def test_daylight_saving_night_in_autumn_is_overnight() -> None:
    # 24 October 23:30 (UTC+2) to 25 October 23:30 (UTC+1): 25 hours, but one night: no absence.
    result = run(
        [
            {"type": "exit", "at": "2026-10-24T23:30:00+02:00"},
            {"type": "entry", "at": "2026-10-25T23:30:00", "tz": "Europe/Paris"},
        ]
    )
    assert result.absent_days.max == 0


def test_offset_is_converted_to_the_issuing_country_date() -> None:
    # 23:30 UTC on 9 March is 00:30 on 10 March in Paris: the exit is on the 10th.
    result = run(
        [
            {"type": "exit", "at": "2026-03-09T23:30:00Z"},
            {"type": "entry", "date": "2026-03-12"},
        ]
    )
    assert result.absent_days.max == 1  # 11 March only


def test_cyprus_counts_in_nicosia_time() -> None:
    doc = {
        "country": "CY",
        "period": YEAR_2026,
        "records": [
            {"type": "exit", "at": "2026-03-09T23:30:00+01:00"},  # 00:30 on 10 March in Nicosia
            {"type": "entry", "date": "2026-03-12"},
        ],
    }
    assert check(parse_input(doc)).absent_days.max == 1


def test_crossings_on_one_day_follow_their_times() -> None:
    result = run(
        [
            {"type": "entry", "at": "2026-05-01T20:00:00+02:00"},
            {"type": "exit", "at": "2026-05-01T08:00:00+02:00"},
        ]
    )
    assert result.absent_days.max == 0
    assert result.needs_evidence == ()


@pytest.mark.parametrize("first", ["exit", "entry"])
def test_exit_and_entry_at_the_same_instant_are_a_same_day_trip(first: str) -> None:
    second = "entry" if first == "exit" else "exit"
    at = "2026-05-01T10:00:00+02:00"
    result = run([{"type": first, "at": at}, {"type": second, "at": at}])
    assert (result.absent_days.min, result.absent_days.max) == (0, 0)
    assert result.needs_evidence == ()


def test_untimed_return_and_departure_on_one_day_continue_the_sequence() -> None:
    result = run(
        [
            {"type": "exit", "date": "2026-05-01"},
            {"type": "exit", "date": "2026-05-10"},
            {"type": "entry", "date": "2026-05-10"},
            {"type": "entry", "date": "2026-05-20"},
        ]
    )
    # Back on the 10th and off again the same day: two known trips, no uncertainty.
    assert (result.absent_days.min, result.absent_days.max) == (8 + 9, 8 + 9)
    assert result.needs_evidence == ()


# --- periods not yet over -----------------------------------------------------------------


def test_running_period_counts_up_to_the_as_of_date_only() -> None:
    result = run(
        [trip("2026-03-01", "2026-03-11"), trip("2026-09-01", "2026-09-11")], as_of="2026-06-30"
    )
    assert result.absent_days.max == 9  # the September trip is planned
    assert result.present_days.max == 181 - 9
    assert result.budget_left.min == 91 - 18  # ... but it shapes the projection
    assert result.status is Status.ON_TRACK


def test_running_period_is_at_risk_not_failed() -> None:
    result = run(
        [trip("2026-03-01", "2026-03-11"), trip("2026-07-01", "2026-10-15")], as_of="2026-06-30"
    )
    assert result.status is Status.AT_RISK
    assert result.budget_left.min < 0
    assert "at_risk" in [w.code for w in result.warnings]


def test_running_period_that_already_broke_the_budget_says_so() -> None:
    result = run([trip("2026-01-01", "2026-05-01")], as_of="2026-06-30")
    assert result.status is Status.AT_RISK
    assert "cannot_meet" in [w.code for w in result.warnings]


def test_as_of_defaults_to_the_period_end() -> None:
    result = run([trip("2026-03-01", "2026-03-11")])
    assert result.as_of == date(2026, 12, 31)
    assert result.status in (Status.MET, Status.NOT_MET)


def test_as_of_before_the_period_starts_counts_nothing_yet() -> None:
    result = run([trip("2026-03-01", "2026-03-11")], as_of="2025-12-01")
    assert result.present_days.max == result.absent_days.max == 0
    assert result.budget_left.max == 91 - 9


def test_holder_abroad_gets_the_latest_return_date() -> None:
    result = run([trip("2026-03-01", "2026-03-11"), trip("2026-06-20", None)], as_of="2026-06-30")
    # Already used: 9 + 10 (21..30 June); 72 days left: back on 11 September at the latest.
    assert result.latest_return == date(2026, 9, 11)
    assert result.status is Status.AT_RISK  # the worst case never comes back
    assert {"return_by", "missing_return"} <= {w.code for w in result.warnings}


def test_latest_return_is_exact() -> None:
    records = [trip("2026-03-01", "2026-03-11"), trip("2026-06-20", None)]
    latest = run(records, as_of="2026-06-30").latest_return
    assert latest is not None
    settled = [records[0], trip("2026-06-20", latest.isoformat())]
    late = [records[0], trip("2026-06-20", (latest + timedelta(days=1)).isoformat())]
    assert run(settled).status is Status.MET
    assert run(late).status is Status.NOT_MET


def test_latest_return_with_a_planned_return() -> None:
    result = run([trip("2026-06-20", "2026-07-10")], as_of="2026-06-30")
    assert result.status is Status.ON_TRACK
    assert result.latest_return == date(2026, 6, 20) + timedelta(days=92)


def test_no_latest_return_when_not_abroad_or_period_over() -> None:
    assert run([trip("2026-03-01", "2026-03-11")], as_of="2026-06-30").latest_return is None
    assert run([trip("2026-12-20", None)]).latest_return is None


def test_latest_return_none_when_the_budget_is_already_gone() -> None:
    result = run([trip("2026-01-01", "2026-05-01"), trip("2026-06-20", None)], as_of="2026-06-30")
    assert result.latest_return is None


def test_latest_return_capped_at_the_day_after_the_period() -> None:
    result = run([trip("2026-12-20", None)], as_of="2026-12-24")
    assert result.latest_return == date(2027, 1, 1)


def test_to_dict_has_exactly_the_documented_keys() -> None:
    out = run([trip("2026-03-01", None)], as_of="2026-06-30").to_dict()
    assert list(out) == [
        "days_in_period",
        "required_present_days",
        "present_days",
        "absent_days",
        "status",
        "budget_left",
        "latest_return",
        "needs_evidence",
        "warnings",
    ]
    assert set(out["warnings"][0]) == {"code", "message", "records", "params"}


def test_needs_evidence_refers_to_input_positions() -> None:
    records = [
        trip("2026-01-10", "2026-01-12"),
        trip("2026-04-01", None),
        trip("2026-05-01", "2026-05-03"),
        {"type": "entry", "date": "2026-08-01"},
    ]
    result = run(records)
    assert result.needs_evidence == (1, 3)


def test_planned_open_trip_needs_no_evidence_yet() -> None:
    result = run([trip("2026-09-01", None)], as_of="2026-06-30")
    assert result.needs_evidence == ()
    assert "missing_return" in [w.code for w in result.warnings]


# --- oracles ---------------------------------------------------------------------------


@given(check_inputs(with_crossings=False, open_ends=False, max_records=10))
def test_known_trips_match_the_day_by_day_definition(inp: CheckInput) -> None:
    result = check(inp)
    last = min(inp.as_of, inp.period.end)
    trips_ = [r for r in inp.records if isinstance(r, Trip)]
    expected = absent_days_by_simulation(trips_, inp.period.start, last)
    assert result.absent_days.min == result.absent_days.max == expected
    elapsed = max(0, (last - inp.period.start).days + 1)
    assert result.present_days.min == elapsed - expected
    whole = absent_days_by_simulation(trips_, inp.period.start, inp.period.end)
    assert (
        result.budget_left.min
        == result.budget_left.max
        == (inp.period.days - required_present_days(inp.period.days) - whole)
    )
    if inp.as_of >= inp.period.end:
        expected_status = (
            Status.MET if 4 * (elapsed - expected) >= 3 * inp.period.days else Status.NOT_MET
        )
        assert result.status is expected_status


@settings(max_examples=60)  # enumerates up to 5,000 histories
@given(check_inputs(max_records=5))
def test_min_and_max_are_the_extremes_over_every_possible_history(inp: CheckInput) -> None:
    """Enumerate every value of every unknown end: the range must be exactly [min, max]."""
    spans, _ = build_spans(inp.records)
    start, end = inp.period.start.toordinal(), inp.period.end.toordinal()
    hi = min(inp.as_of.toordinal(), end)
    choices = []
    for span in spans:
        # Ends further out than two days past the period change nothing inside it.
        lo_dep, hi_dep = min(max(span.dep_lo, start - 2), span.dep_hi), span.dep_hi
        lo_ret, hi_ret = span.ret_lo, max(min(span.ret_hi, end + 2), span.ret_lo)
        options = [(d, r) for d in range(lo_dep, hi_dep + 1) for r in range(lo_ret, hi_ret + 1)]
        choices.append(options)
    assume(all(len(options) <= 60 for options in choices))
    total = 1
    for options in choices:
        total *= len(options)
    assume(total <= 5000)
    counts = []
    for history in itertools.product(*choices):
        merged = merge_intervals(((d + 1, r - 1) for d, r in history), start, hi)
        counts.append(sum(e - s + 1 for s, e in merged))
    result = check(inp)
    assert (result.absent_days.min, result.absent_days.max) == (min(counts), max(counts))


# --- properties from the issue --------------------------------------------------------------


def _figures(result: PresenceResult) -> tuple[Any, ...]:
    return (
        result.present_days,
        result.absent_days,
        result.projected_absent_days,
        result.budget_left,
        result.status,
        result.latest_return,
    )


@given(check_inputs(), st.data())
def test_order_of_records_never_matters(inp: CheckInput, data: st.DataObject) -> None:
    order = data.draw(st.permutations(range(len(inp.records))))
    shuffled = replace(inp, records=tuple(inp.records[i] for i in order))
    before, after = check(inp), check(shuffled)
    assert _figures(before) == _figures(after)

    def named(result: PresenceResult, records: tuple[Any, ...]) -> list[Any]:
        return sorted(_identity(records[i]) for i in result.needs_evidence)

    assert named(before, inp.records) == named(after, shuffled.records)


def _identity(record: Trip | Crossing) -> tuple[Any, ...]:
    if isinstance(record, Trip):
        return ("trip", record.left, record.returned)
    return (record.kind.value, record.on, record.instant)


@given(check_inputs(), st.data())
def test_adding_a_trip_never_increases_present_days(inp: CheckInput, data: st.DataObject) -> None:
    left = data.draw(st.dates(inp.period.start - timedelta(days=10), inp.period.end))
    length = data.draw(st.integers(0, 60))
    added = replace(inp, records=(*inp.records, Trip(left, left + timedelta(days=length))))
    before, after = check(inp), check(added)
    assert after.present_days.max <= before.present_days.max
    assert after.budget_left.max <= before.budget_left.max
    certain = all(span.kind.value == "known" for span in build_spans(inp.records)[0])
    if certain:  # a known trip can also narrow an unknown end; with none, both bounds move
        assert after.present_days.min <= before.present_days.min
        assert after.budget_left.min <= before.budget_left.min


@given(check_inputs(), st.data())
def test_splitting_a_trip_at_a_present_day_never_decreases_present_days(
    inp: CheckInput, data: st.DataObject
) -> None:
    candidates = [
        i
        for i, r in enumerate(inp.records)
        if isinstance(r, Trip) and r.returned is not None and (r.returned - r.left).days >= 2
    ]
    assume(candidates)
    index = data.draw(st.sampled_from(candidates))
    original = inp.records[index]
    assert isinstance(original, Trip) and original.returned is not None
    cut = original.left + timedelta(
        days=data.draw(st.integers(1, (original.returned - original.left).days - 1))
    )
    parts = (
        Trip(original.left, cut, original.source),
        Trip(cut, original.returned, original.source),
    )
    split = replace(inp, records=inp.records[:index] + parts + inp.records[index + 1 :])
    before, after = check(inp), check(split)
    assert after.present_days.min >= before.present_days.min
    assert after.present_days.max >= before.present_days.max
    assert after.budget_left.min >= before.budget_left.min


@given(check_inputs())
def test_result_is_internally_consistent(inp: CheckInput) -> None:
    result = check(inp)
    last = min(inp.as_of, inp.period.end)
    elapsed = max(0, (last - inp.period.start).days + 1)
    assert 0 <= result.absent_days.min <= result.absent_days.max <= elapsed
    assert result.present_days.min + result.absent_days.max == elapsed
    assert result.present_days.max + result.absent_days.min == elapsed
    assert result.projected_absent_days.min >= result.absent_days.min
    assert result.projected_absent_days.max >= result.absent_days.max
    assert result.budget_left.min <= result.budget_left.max
    assert result.required_present_days + result.absence_budget == inp.period.days
    if inp.as_of >= inp.period.end:
        assert result.status in (Status.MET, Status.NOT_MET)
        assert result.latest_return is None
    else:
        assert result.status in (Status.ON_TRACK, Status.AT_RISK)
        assert (result.status is Status.ON_TRACK) == (result.budget_left.min >= 0)
    assert list(result.needs_evidence) == sorted(set(result.needs_evidence))
    assert all(0 <= i < len(inp.records) for i in result.needs_evidence)
    for warning in result.warnings:
        assert warning.message  # every code renders with its params
        assert all(0 <= i < len(inp.records) for i in warning.records)


def test_period_of_one_day() -> None:
    inp = CheckInput("FR", Period(date(2026, 5, 1), date(2026, 5, 1)), date(2026, 5, 1), ())
    result = check(inp)
    assert (result.days_in_period, result.required_present_days) == (1, 1)
    assert result.status is Status.MET


def test_shell_can_build_values_without_json() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    exit_ = Crossing.at(
        "exit", datetime(2026, 3, 28, 23, 30, tzinfo=ZoneInfo("Europe/Paris")), "FR"
    )
    inp = CheckInput(
        "FR",
        Period(date(2026, 1, 1), date(2026, 12, 31)),
        date(2026, 12, 31),
        (exit_, Crossing(CrossingKind.ENTRY, date(2026, 4, 2))),
    )
    assert check(inp).absent_days.max == 4
