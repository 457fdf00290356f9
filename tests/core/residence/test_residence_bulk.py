"""The vectorised recomputation gives exactly the single check's figures."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from residence_strategies import check_inputs

from relocard.core.residence import (
    STATUS_ORDER,
    CheckInput,
    ResidenceInputError,
    check,
    check_bulk,
    check_bulk_frame,
    records_to_rows,
)

NAT = np.datetime64("NaT", "D")


def _d(value: date | None) -> np.datetime64:
    return NAT if value is None else np.datetime64(value, "D")


def columns(inputs: list[CheckInput], order: list[int] | None = None) -> dict[str, np.ndarray]:
    rows = [
        (h, left, returned)
        for h, inp in enumerate(inputs)
        for left, returned in records_to_rows(inp.records)
    ]
    if order is not None:
        rows = [rows[i] for i in order]
    return {
        "holder": np.array([r[0] for r in rows], dtype=np.int64),
        "left": np.array([_d(r[1]) for r in rows], dtype="datetime64[D]"),
        "returned": np.array([_d(r[2]) for r in rows], dtype="datetime64[D]"),
        "period_start": np.array([_d(i.period.start) for i in inputs], dtype="datetime64[D]"),
        "period_end": np.array([_d(i.period.end) for i in inputs], dtype="datetime64[D]"),
        "as_of": np.array([_d(i.as_of) for i in inputs], dtype="datetime64[D]"),
    }


def assert_same(inputs: list[CheckInput], order: list[int] | None = None) -> None:
    bulk = check_bulk(**columns(inputs, order))
    for h, inp in enumerate(inputs):
        one = check(inp)
        got = (
            int(bulk.present_min[h]),
            int(bulk.present_max[h]),
            int(bulk.absent_min[h]),
            int(bulk.absent_max[h]),
            int(bulk.budget_left_min[h]),
            int(bulk.budget_left_max[h]),
            STATUS_ORDER[bulk.status[h]],
            int(bulk.days_in_period[h]),
            int(bulk.required_present_days[h]),
        )
        expected = (
            one.present_days.min,
            one.present_days.max,
            one.absent_days.min,
            one.absent_days.max,
            one.budget_left.min,
            one.budget_left.max,
            one.status,
            one.days_in_period,
            one.required_present_days,
        )
        assert got == expected, f"holder {h}"


@settings(max_examples=150)  # several holders, each checked twice
@given(st.lists(check_inputs(max_records=10), min_size=1, max_size=6), st.data())
def test_bulk_equals_the_single_check(inputs: list[CheckInput], data: st.DataObject) -> None:
    n = sum(len(records_to_rows(inp.records)) for inp in inputs)
    order = data.draw(st.permutations(range(n)))  # rows need not come sorted
    assert_same(inputs, list(order))


def test_holders_without_records_and_empty_input() -> None:
    from residence_strategies import day

    from relocard.core.residence import Period, Trip

    year = Period(day("2026-01-01"), day("2026-12-31"))
    inputs = [
        CheckInput("FR", year, day("2026-12-31"), ()),
        CheckInput("FR", year, day("2026-06-30"), (Trip(day("2026-03-01"), day("2026-06-15")),)),
        CheckInput("FR", year, day("2026-12-31"), ()),
    ]
    assert_same(inputs)
    empty = columns([inputs[0], inputs[2]])
    result = check_bulk(**empty)
    assert result.present_min.tolist() == [365, 365]
    assert result.status_names().tolist() == ["met", "met"]


def test_as_of_defaults_to_the_period_end() -> None:
    cols = columns([])
    result = check_bulk(
        np.array([0]),
        np.array(["2026-03-01"], dtype="datetime64[D]"),
        np.array([NAT]),
        np.array(["2026-01-01"], dtype="datetime64[D]"),
        np.array(["2026-12-31"], dtype="datetime64[D]"),
    )
    assert cols["holder"].size == 0
    assert (int(result.absent_min[0]), int(result.absent_max[0])) == (0, 305)
    assert result.status_names().tolist() == ["not_met"]


def test_polars_frames() -> None:
    records = pl.DataFrame(
        {
            "holder": [1, 0, 1],
            "left": [date(2026, 3, 1), date(2026, 2, 1), date(2026, 7, 1)],
            "returned": [date(2026, 3, 11), date(2026, 2, 3), None],
            "source": ["declared", "evidence", "border"],
        }
    )
    holders = pl.DataFrame(
        {
            "period_start": [date(2026, 1, 1), date(2026, 1, 1)],
            "period_end": [date(2026, 12, 31), date(2026, 12, 31)],
            "as_of": [date(2026, 12, 31), date(2026, 7, 31)],
        }
    )
    out = check_bulk_frame(records, holders)
    assert out["absent_max"].to_list() == [1, 9 + 30]
    assert out["status"].to_list() == ["met", "at_risk"]
    assert out["holder"].to_list() == [0, 1]


def _base() -> dict[str, np.ndarray]:
    return {
        "holder": np.array([0, 0]),
        "left": np.array(["2026-03-01", "2026-04-01"], dtype="datetime64[D]"),
        "returned": np.array(["2026-03-05", "2026-04-03"], dtype="datetime64[D]"),
        "period_start": np.array(["2026-01-01"], dtype="datetime64[D]"),
        "period_end": np.array(["2026-12-31"], dtype="datetime64[D]"),
    }


@pytest.mark.parametrize(
    ("change", "path", "fragment"),
    [
        ({"holder": np.array([0, 3])}, "records[1].holder", "not a holder index"),
        ({"holder": np.array([0.0, 1.0])}, "holder", "integer"),
        (
            {
                "left": np.array(["2026-03-01", "NaT"], dtype="datetime64[D]"),
                "returned": np.array(["2026-03-05", "NaT"], dtype="datetime64[D]"),
            },
            "records[1]",
            "neither left nor returned",
        ),
        (
            {"returned": np.array(["2026-03-05", "2026-03-31"], dtype="datetime64[D]")},
            "records[1].returned",
            "before the departure",
        ),
        (
            {"period_end": np.array(["2027-01-05"], dtype="datetime64[D]")},
            "holders[0].period",
            "366 days",
        ),
        (
            {"period_end": np.array(["2025-01-05"], dtype="datetime64[D]")},
            "holders[0].period",
            "before it starts",
        ),
        ({"period_end": np.array([NAT])}, "holders[0].period", "missing"),
        ({"left": np.array(["2026-03-01", "2026-04-01"])}, "left", "datetime64"),
        ({"returned": np.array(["2026-03-05"], dtype="datetime64[D]")}, "input", "one length"),
    ],
)
def test_bad_columns_name_the_row(change: dict[str, np.ndarray], path: str, fragment: str) -> None:
    with pytest.raises(ResidenceInputError) as info:
        check_bulk(**{**_base(), **change})
    assert info.value.path == path
    assert fragment in str(info.value)


def test_as_of_must_match_holders() -> None:
    with pytest.raises(ResidenceInputError, match="one date per holder"):
        check_bulk(**_base(), as_of=np.array(["2026-01-01", "2026-01-02"], dtype="datetime64[D]"))
    with pytest.raises(ResidenceInputError, match="missing"):
        check_bulk(**_base(), as_of=np.array([NAT]))


def test_records_to_rows_pairs_crossings_like_check() -> None:
    from residence_strategies import day

    from relocard.core.residence import Crossing, CrossingKind, Trip

    records = (
        Crossing(CrossingKind.EXIT, day("2026-03-01")),
        Crossing(CrossingKind.ENTRY, day("2026-03-10")),
        Crossing(CrossingKind.ENTRY, day("2026-04-10")),
        Trip(day("2026-05-01"), None),
        Trip(day("2026-03-01"), day("2026-03-10")),
    )
    assert records_to_rows(records) == [
        (day("2026-03-01"), day("2026-03-10")),
        (None, day("2026-04-10")),
        (day("2026-05-01"), None),
    ]


def test_wide_keys_fall_back_to_64_bits() -> None:
    """20,000 holders over three centuries do not fit 32-bit keys; the figures stay right."""
    from residence_strategies import day

    from relocard.core.residence import Crossing, CrossingKind, Period, Trip

    early = Period(day("1901-01-01"), day("1901-12-31"))
    late = Period(day("2198-01-01"), day("2198-12-31"))
    filler = CheckInput("FR", Period(day("2026-01-01"), day("2026-12-31")), day("2026-12-31"), ())
    special = {
        0: CheckInput(
            "FR", early, day("1901-12-31"), (Trip(day("1901-03-01"), day("1901-03-20")),)
        ),
        7: CheckInput(
            "FR",
            late,
            day("2198-06-30"),
            (Trip(day("2198-02-01"), None), Crossing(CrossingKind.ENTRY, day("2198-05-01"))),
        ),
        19_999: CheckInput(
            "FR", late, day("2198-12-31"), (Trip(day("2198-12-01"), day("2198-12-25")),)
        ),
    }
    inputs = [special.get(h, filler) for h in range(20_000)]
    cols = columns(inputs)
    result = check_bulk(**cols)
    for h, inp in special.items():
        one = check(inp)
        assert (int(result.absent_min[h]), int(result.absent_max[h])) == (
            one.absent_days.min,
            one.absent_days.max,
        )
        assert STATUS_ORDER[result.status[h]] is one.status
    assert int(result.absent_max[1]) == 0


def test_sort_falls_back_to_argsort_for_huge_keys() -> None:
    from relocard.core.residence.bulk import _sort_with_order

    keys = np.array([2**61, 5, 2**60, 5], dtype=np.int64)
    order, ordered = _sort_with_order(keys, np.int64)
    assert order.tolist() == [1, 3, 2, 0]
    assert ordered.tolist() == [5, 5, 2**60, 2**61]
    small_order, small_sorted = _sort_with_order(np.array([3, 1, 2, 1], dtype=np.int32), np.int32)
    assert small_order.tolist() == [1, 3, 2, 0]
    assert small_sorted.tolist() == [1, 1, 2, 3]
