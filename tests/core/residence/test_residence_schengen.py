"""The 90/180 rule: the Commission calculator's worked examples, a naive oracle, membership."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.core.residence import (
    ResidenceInputError,
    SchengenInput,
    Stay,
    in_schengen,
    parse_schengen_input,
    schengen_check,
    schengen_since,
)


def run(stays: list[tuple[str, str]], control: str, planned: str | None = None) -> Any:
    raw = {
        "stays": [{"entry": a, "exit": b} for a, b in stays],
        "control_date": control,
        "planned_entry": planned,
    }
    return schengen_check(parse_schengen_input(raw))


# Worked examples of the short-stay calculator's manual (Swiss State Secretariat for Migration).


def test_issue_example_and_manual_example_1() -> None:
    result = run([("2014-08-15", "2014-09-30")], "2014-11-30", "2015-01-01")
    assert result.days_used == 47
    assert result.overstay_days == 0
    assert result.stay_possible_until == date(2015, 1, 11)
    assert result.max_stay_from_planned_entry == 90  # "90 more days if he returns on 1 January"
    assert result.to_dict() == {
        "days_used": 47,
        "overstay_days": 0,
        "stay_possible_until": "2015-01-11",
        "max_stay_from_planned_entry": 90,
    }


def test_manual_example_2_stay_possible_until_13_december() -> None:
    result = run([("2014-08-15", "2014-09-30"), ("2014-11-01", "2014-11-30")], "2014-11-30")
    assert result.days_used == 77
    assert result.stay_possible_until == date(2014, 12, 13)
    assert result.max_stay_from_planned_entry is None


def test_manual_example_4_old_stay_outside_the_window_changes_nothing() -> None:
    stays = [("2013-08-15", "2013-09-30"), ("2014-01-01", "2014-01-30")]
    with_old = [("2013-06-01", "2013-07-13"), *stays]
    for listed in (stays, with_old):
        result = run(listed, "2014-01-30")
        assert result.days_used == 77
        assert result.stay_possible_until == date(2014, 3, 31)


def test_manual_example_5_short_overstay_and_reentry() -> None:
    stays = [
        ("2013-09-01", "2013-09-30"),
        ("2014-02-21", "2014-04-20"),
        ("2014-05-01", "2014-06-09"),
    ]
    result = run(stays, "2014-06-09", "2014-08-30")
    assert result.days_used == 99
    assert result.overstay_days == 9
    assert result.stay_possible_until is None
    assert result.max_stay_from_planned_entry == 50


def test_manual_example_6_long_overstay_counted_in_its_own_window() -> None:
    # The manual warns that the calculator miscounts when an older stay is entered; this
    # implementation gives 74 either way.
    assert run([("2013-09-19", "2014-03-01")], "2014-03-01").overstay_days == 74
    assert (
        run(
            [("2013-06-01", "2013-08-09"), ("2013-09-19", "2014-03-01")], "2014-03-01"
        ).overstay_days
        == 74
    )


def test_overstay_stays_visible_after_leaving() -> None:
    result = run([("2026-01-01", "2026-04-10")], "2026-06-01")  # 100 days, then left
    assert result.overstay_days == 10
    assert result.days_used == 100


def test_ninety_days_exactly_is_allowed() -> None:
    result = run([("2026-01-01", "2026-03-31")], "2026-03-31")
    assert (result.days_used, result.overstay_days) == (90, 0)
    assert result.stay_possible_until == date(2026, 3, 31)


def test_no_stays_allows_ninety_days() -> None:
    result = run([], "2026-05-01", "2026-05-01")
    assert result.days_used == 0
    assert result.stay_possible_until == date(2026, 5, 1) + timedelta(days=89)
    assert result.max_stay_from_planned_entry == 90


def test_planned_entry_impossible_gives_zero() -> None:
    result = run([("2026-01-01", "2026-03-31")], "2026-03-31", "2026-04-01")
    assert result.max_stay_from_planned_entry == 0


def test_overlapping_stays_count_each_day_once() -> None:
    assert (
        run([("2026-01-01", "2026-01-10"), ("2026-01-05", "2026-01-20")], "2026-02-01").days_used
        == 20
    )


def test_stays_in_states_outside_schengen_do_not_count() -> None:
    stays = (
        Stay(date(2026, 1, 1), date(2026, 1, 10), "CY"),
        Stay(date(2026, 1, 11), date(2026, 1, 20), "IE"),
        Stay(date(2026, 1, 21), date(2026, 1, 30), "DE"),
    )
    assert schengen_check(SchengenInput(stays, date(2026, 2, 1))).days_used == 10


def test_stays_count_from_the_day_a_state_joined() -> None:
    stays = (Stay(date(2022, 12, 22), date(2023, 1, 10), "HR"),)
    assert schengen_check(SchengenInput(stays, date(2023, 1, 10))).days_used == 10
    romania = (Stay(date(2024, 3, 21), date(2024, 4, 9), "RO"),)
    assert schengen_check(SchengenInput(romania, date(2024, 4, 9))).days_used == 10


@pytest.mark.parametrize(
    ("country", "on", "border", "expected"),
    [
        ("HR", "2022-12-31", None, False),
        ("HR", "2023-01-01", None, True),
        ("HR", "2023-01-01", "land", True),
        ("HR", "2023-03-25", "air", False),
        ("HR", "2023-03-26", "air", True),
        ("BG", "2024-03-30", None, False),
        ("BG", "2024-03-31", None, True),
        ("BG", "2024-03-31", "air", True),
        ("RO", "2024-03-31", "sea", True),
        ("RO", "2024-12-31", "land", False),
        ("RO", "2025-01-01", "land", True),
        ("CY", "2026-01-01", None, False),
        ("IE", "2026-01-01", "air", False),
        ("FR", "1995-03-26", None, True),
        ("FR", "1995-03-25", None, False),
        ("PL", "2008-01-15", "land", True),
        ("PL", "2008-01-15", "air", False),
        ("CH", "2009-01-01", None, True),
        ("CH", "2009-01-01", "air", False),
        ("LI", "2011-12-19", None, True),
        ("NO", "2026-01-01", None, True),
        ("EL", "2026-01-01", None, True),
    ],
)
def test_membership_calendar(country: str, on: str, border: str | None, expected: bool) -> None:
    assert in_schengen(country, date.fromisoformat(on), border) is expected


def test_membership_bad_input() -> None:
    with pytest.raises(ResidenceInputError, match="EU or EFTA"):
        in_schengen("RU", date(2026, 1, 1))
    with pytest.raises(ResidenceInputError, match="border type"):
        in_schengen("FR", date(2026, 1, 1), "rail")
    assert schengen_since("CY") is None


@pytest.mark.parametrize(
    ("raw", "path", "code"),
    [
        ({"stays": []}, "control_date", "missing_field"),
        ({"stays": [], "control_date": "2014-02-30"}, "control_date", "no_such_day"),
        (
            {
                "stays": [{"entry": "2014-09-30", "exit": "2014-08-15"}],
                "control_date": "2014-11-30",
            },
            "stays[0].exit",
            "exit_before_entry",
        ),
        (
            {"stays": [{"entry": "2014-09-30"}], "control_date": "2014-11-30"},
            "stays[0].exit",
            "missing_field",
        ),
        (
            {"stays": [{"entry": "14-09-30", "exit": "2014-10-01"}], "control_date": "2014-11-30"},
            "stays[0].entry",
            "two_digit_year",
        ),
        (
            {
                "stays": [{"entry": "2014-09-30", "exit": "2014-10-01", "country": "US"}],
                "control_date": "2014-11-30",
            },
            "stays[0].country",
            "unknown_european_country",
        ),
        (
            {"stays": [], "control_date": "2014-11-30", "planned": "2015-01-01"},
            "planned",
            "unknown_field",
        ),
        ({"stays": "none", "control_date": "2014-11-30"}, "stays", "wrong_type"),
        ("stays", "input", "wrong_type"),
    ],
)
def test_bad_schengen_input(raw: Any, path: str, code: str) -> None:
    with pytest.raises(ResidenceInputError) as info:
        parse_schengen_input(raw)
    assert (info.value.path, info.value.code) == (path, code)


# --- a naive oracle: count every window day by day ---------------------------------------


def _used(days: set[date], on: date) -> int:
    return sum(1 for d in days if on - timedelta(days=179) <= d <= on)


def _naive(stays: list[tuple[date, date]], control: date, planned: date | None) -> tuple[Any, ...]:
    days = {a + timedelta(days=i) for a, b in stays for i in range((b - a).days + 1)}
    first = min([control, *(a for a, _ in stays)])
    overstay = 0
    d = first
    while d <= control:
        overstay = max(overstay, _used(days, d) - 90)
        d += timedelta(days=1)

    def longest(start: date) -> int:
        length, staying = 0, set(days)
        while True:
            staying.add(start + timedelta(days=length))
            if _used(staying, start + timedelta(days=length)) > 90:
                return length
            length += 1

    until = longest(control)
    return (
        _used(days, control),
        overstay,
        None if until == 0 else control + timedelta(days=until - 1),
        None if planned is None else longest(planned),
    )


stay_lists = st.lists(
    st.tuples(st.dates(date(2025, 1, 1), date(2026, 6, 30)), st.integers(0, 70)).map(
        lambda t: (t[0], t[0] + timedelta(days=t[1]))
    ),
    max_size=5,
)


@given(
    stay_lists,
    st.dates(date(2025, 3, 1), date(2026, 9, 30)),
    st.none() | st.dates(date(2025, 3, 1), date(2026, 12, 31)),
)
def test_matches_the_naive_day_by_day_count(
    stays: list[tuple[date, date]], control: date, planned: date | None
) -> None:
    result = schengen_check(SchengenInput(tuple(Stay(a, b) for a, b in stays), control, planned))
    got = (
        result.days_used,
        result.overstay_days,
        result.stay_possible_until,
        result.max_stay_from_planned_entry,
    )
    assert got == _naive(stays, control, planned)


@given(stay_lists, st.dates(date(2025, 3, 1), date(2026, 9, 30)), st.data())
def test_adding_a_stay_never_gives_more_room(
    stays: list[tuple[date, date]], control: date, data: st.DataObject
) -> None:
    extra = data.draw(stay_lists.filter(bool))
    before = schengen_check(SchengenInput(tuple(Stay(a, b) for a, b in stays), control, control))
    after = schengen_check(
        SchengenInput(tuple(Stay(a, b) for a, b in stays + extra), control, control)
    )
    assert after.days_used >= before.days_used
    assert after.overstay_days >= before.overstay_days
    assert (after.max_stay_from_planned_entry or 0) <= (before.max_stay_from_planned_entry or 0)
    assert 0 <= after.max_stay_from_planned_entry <= 90  # type: ignore[operator]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(json_values)
def test_arbitrary_json_never_crashes_the_schengen_parser(raw: Any) -> None:
    try:
        parse_schengen_input(raw)
    except ResidenceInputError as exc:
        assert "\n" not in str(exc)


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "entry": st.sampled_from(["2026-01-01", "2026-02-30", "26-01-01", "2026-03-01", 5]),
                "exit": st.sampled_from(["2026-01-10", "2025-12-31", None, "2026-04-01"]),
            },
            optional={"country": st.sampled_from(["DE", "CY", "XX", "de", None])},
        ),
        max_size=3,
    ),
    st.sampled_from(["2026-04-01", "2026-13-01", None]),
)
def test_schengen_input_parses_or_names_the_field(
    stays: list[dict[str, Any]], control: Any
) -> None:
    raw = {"stays": stays, "control_date": control}
    try:
        inp = parse_schengen_input(raw)
    except ResidenceInputError as exc:
        assert exc.path.split("[")[0].split(".")[0] in ("stays", "control_date")
    else:
        result = schengen_check(inp)
        assert 0 <= result.days_used <= 180
