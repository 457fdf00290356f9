"""Parsing the check input: every bad input is a specific, located error; good input round-trips."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from residence_strategies import check_inputs

from relocard.core.residence import (
    CheckInput,
    Crossing,
    CrossingKind,
    Period,
    ResidenceError,
    ResidenceInputError,
    Source,
    Trip,
    parse_date,
    parse_input,
    parse_record,
    record_to_dict,
)


def doc(records: list[Any] | None = None, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "country": "FR",
        "period": {"start": "2026-01-01", "end": "2026-12-31"},
        "as_of": "2026-06-30",
        "records": records or [],
    }
    base.update(changes)
    return base


def error_of(raw: Any) -> ResidenceInputError:
    with pytest.raises(ResidenceInputError) as info:
        parse_input(raw)
    return info.value


def test_a_full_document_parses() -> None:
    inp = parse_input(
        doc(
            [
                {
                    "type": "trip",
                    "left": "2026-03-10",
                    "returned": "2026-03-20",
                    "source": "evidence",
                },
                {"type": "trip", "left": "2026-04-10", "returned": None},
                {"type": "exit", "date": "2026-05-01"},
                {"type": "entry", "at": "2026-05-03T01:30:00", "tz": "Europe/Berlin"},
                {"type": "exit", "at": "2026-03-29T23:30:00+02:00", "source": "border"},
            ]
        )
    )
    assert inp.country == "FR"
    assert inp.period == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert inp.as_of == date(2026, 6, 30)
    assert inp.records[0] == Trip(date(2026, 3, 10), date(2026, 3, 20), Source.EVIDENCE)
    assert inp.records[1] == Trip(date(2026, 4, 10), None, Source.DECLARED)
    assert inp.records[2] == Crossing(CrossingKind.EXIT, date(2026, 5, 1))
    entry = inp.records[3]
    assert isinstance(entry, Crossing)
    assert entry.on == date(2026, 5, 3)
    assert entry.instant == datetime(2026, 5, 2, 23, 30, tzinfo=UTC)
    assert inp.records[4].on == date(2026, 3, 29)  # type: ignore[union-attr]


def test_as_of_defaults_to_the_period_end_and_records_to_none() -> None:
    raw = doc()
    del raw["as_of"], raw["records"]
    inp = parse_input(raw)
    assert inp.as_of == date(2026, 12, 31)
    assert inp.records == ()


def test_greek_eu_code_is_accepted() -> None:
    assert parse_input(doc(country="EL")).country == "GR"


@pytest.mark.parametrize(
    ("raw", "path", "code", "fragment"),
    [
        (
            doc([{"type": "trip", "left": "2026-02-30", "returned": None}]),
            "records[0].left",
            "no_such_day",
            "February 2026 has 28 days",
        ),
        (
            doc([{"type": "trip", "left": "2026-03-10", "returned": "2026-03-09"}]),
            "records[0].returned",
            "return_before_departure",
            "before the departure 2026-03-10",
        ),
        (
            doc([{}, {"type": "exit", "at": "2026-03-29T23:30:00"}]),
            "records[0].type",
            "missing_field",
            "required",
        ),
        (
            doc([{"type": "exit", "at": "2026-03-29T23:30:00"}]),
            "records[0].at",
            "naive_datetime",
            "neither a time zone nor an offset",
        ),
        (
            doc([{"type": "trip", "left": "26-03-10", "returned": None}]),
            "records[0].left",
            "two_digit_year",
            "two-digit year",
        ),
        (
            doc([{"type": "trip", "left": "10.03.26", "returned": None}]),
            "records[0].left",
            "two_digit_year",
            "two-digit year",
        ),
        (
            doc([{"type": "entry", "at": "26-03-29T23:30:00+01:00"}]),
            "records[0].at",
            "two_digit_year",
            "two-digit year",
        ),
        (
            doc(period={"start": "2026-01-01", "end": "2027-01-05"}),
            "period",
            "period_too_long",
            "370 days",
        ),
        (
            doc(period={"start": "2026-01-01", "end": "2025-12-31"}),
            "period",
            "period_reversed",
            "before it starts",
        ),
        (doc(country="XX"), "country", "unknown_country", "'XX'"),
        (doc(country="CH"), "country", "unknown_country", "EU member state"),
        (doc(country="fr"), "country", "unknown_country", "upper-case"),
        (doc(country=33), "country", "wrong_type", "the number 33"),
        (
            doc([{"type": "trip", "left": "2026-03-10", "return": "2026-03-12"}]),
            "records[0].return",
            "unknown_field",
            "allowed fields are left, returned, source, type",
        ),
        (doc(asof="2026-01-01"), "asof", "unknown_field", "as_of"),
        (
            doc([{"type": "holiday", "left": "2026-03-10"}]),
            "records[0].type",
            "unknown_record_type",
            "'holiday'",
        ),
        (
            doc([{"type": "trip", "left": "2026-03-10", "source": "rumour"}]),
            "records[0].source",
            "unknown_source",
            "'rumour'",
        ),
        (doc([{"type": "trip"}]), "records[0].left", "missing_field", "departure"),
        (
            doc([{"type": "exit", "at": "2026-03-29T23:30:00", "tz": "Europe/Parris"}]),
            "records[0].tz",
            "unknown_time_zone",
            "'Europe/Parris'",
        ),
        (
            doc([{"type": "exit", "at": "2026-07-01T10:00:00+01:00", "tz": "Europe/Paris"}]),
            "records[0].at",
            "offset_mismatch",
            "+02:00",
        ),
        (
            doc([{"type": "exit", "date": "2026-07-01", "tz": "Europe/Paris"}]),
            "records[0].tz",
            "tz_without_at",
            "only with",
        ),
        (
            doc([{"type": "exit", "date": "2026-07-01", "at": "2026-07-01T10:00:00Z"}]),
            "records[0]",
            "date_and_at",
            "not both",
        ),
        (doc([{"type": "entry"}]), "records[0]", "no_date", "give"),
        (
            doc([{"type": "entry", "at": "2026-07-01 at noon"}]),
            "records[0].at",
            "bad_datetime",
            "YYYY-MM-DDTHH:MM:SS",
        ),
        (
            doc([{"type": "entry", "at": "2026-07-01T25:00:00Z"}]),
            "records[0].at",
            "bad_datetime",
            "not a date and time",
        ),
        (
            doc([{"type": "entry", "at": "2026-02-29T10:00:00Z"}]),
            "records[0].at",
            "no_such_day",
            "February 2026 has 28 days",
        ),
        (doc(as_of="2026/06/30"), "as_of", "bad_date", "YYYY-MM-DD"),
        (doc(as_of="2026-13-01"), "as_of", "no_such_month", "01 to 12"),
        (doc(as_of="0226-06-30"), "as_of", "implausible_year", "typo"),
        (doc(as_of=20260630), "as_of", "wrong_type", "the number 20260630"),
        (doc(records={"type": "trip"}), "records", "wrong_type", "a list"),
        (doc(["trip"]), "records[0]", "wrong_type", "JSON object"),
        (doc(period="2026"), "period", "wrong_type", "JSON object"),
        (doc(period={"start": "2026-01-01"}), "period.end", "missing_field", "YYYY-MM-DD"),
        ([], "input", "wrong_type", "a list"),
    ],
)
def test_bad_input_names_the_field_and_what_to_do(
    raw: Any, path: str, code: str, fragment: str
) -> None:
    error = error_of(raw)
    assert error.path == path
    assert error.code == code
    assert fragment in str(error)
    assert str(error).startswith(f"{path}: ")
    assert "\n" not in str(error)
    assert isinstance(error, ResidenceError) and isinstance(error, ValueError)


def test_error_index_is_the_record_position() -> None:
    error = error_of(doc([{"type": "trip", "left": "2026-01-01"}] * 3 + [{"type": "x"}]))
    assert error.index == 3
    assert error_of(doc(country="XX")).index is None


def test_too_many_records_are_refused() -> None:
    error = error_of(doc([{"type": "exit", "date": "2026-01-01"}] * 10_001))
    assert error.code == "too_many"


def test_leap_day_exists_in_leap_years_only() -> None:
    assert parse_date("2028-02-29", "d") == date(2028, 2, 29)
    with pytest.raises(ResidenceInputError, match="February 2027 has 28 days"):
        parse_date("2027-02-29", "d")


def test_a_datetime_is_not_a_date() -> None:
    with pytest.raises(ResidenceInputError, match="expected a date"):
        parse_date(datetime(2026, 1, 1, tzinfo=UTC), "d")


def test_offset_and_zone_that_agree_are_accepted() -> None:
    record = parse_record(
        {"type": "exit", "at": "2026-07-01T10:00:00+02:00", "tz": "Europe/Paris"}, "FR"
    )
    assert isinstance(record, Crossing)
    assert record.instant == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def test_skipped_local_time_reads_before_the_change() -> None:
    # 02:30 on 29 March 2026 does not exist in Paris; fold=0 reads it as 02:30+01:00.
    record = parse_record({"type": "exit", "at": "2026-03-29T02:30:00", "tz": "Europe/Paris"}, "FR")
    assert isinstance(record, Crossing)
    assert record.on == date(2026, 3, 29)
    assert record.instant == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_values_validate_themselves() -> None:
    with pytest.raises(ResidenceInputError, match="before the departure"):
        Trip(date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(ResidenceInputError, match="366 days"):
        Period(date(2026, 1, 1), date(2027, 1, 2))
    with pytest.raises(ResidenceInputError, match="EU member state"):
        CheckInput("RU", Period(date(2026, 1, 1), date(2026, 12, 31)), date(2026, 12, 31))
    with pytest.raises(ResidenceInputError, match="neither a time zone"):
        Crossing.at("exit", datetime(2026, 3, 1, 12, 0), "FR")
    with pytest.raises(ValueError, match="'nowhere'"):
        Trip(date(2026, 3, 1), None, "nowhere")  # type: ignore[arg-type]


@given(st.dates(date(1900, 1, 1), date(2199, 12, 31)))
def test_every_real_date_parses_back_to_itself(day: date) -> None:
    assert parse_date(day.isoformat(), "d") == day


@given(st.text(max_size=30))
def test_any_string_is_a_date_or_a_clear_error(text: str) -> None:
    try:
        parsed = parse_date(text, "d")
    except ResidenceInputError as exc:
        assert str(exc).startswith("d: ")
    else:
        assert parsed.isoformat() == text


@given(st.integers(1900, 2199), st.integers(1, 12), st.integers(1, 31))
def test_day_of_month_is_checked_against_the_calendar(year: int, month: int, day_: int) -> None:
    text = f"{year:04d}-{month:02d}-{day_:02d}"
    try:
        expected = date(year, month, day_)
    except ValueError:
        with pytest.raises(ResidenceInputError, match="does not exist"):
            parse_date(text, "d")
    else:
        assert parse_date(text, "d") == expected


@given(check_inputs())
def test_records_round_trip_through_json(inp: CheckInput) -> None:
    raw = {
        "country": inp.country,
        "period": {"start": inp.period.start.isoformat(), "end": inp.period.end.isoformat()},
        "as_of": inp.as_of.isoformat(),
        "records": [record_to_dict(r) for r in inp.records],
    }
    assert parse_input(json.loads(json.dumps(raw))) == inp


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=12),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_arbitrary_json_never_crashes_the_parser(raw: Any) -> None:
    try:
        parse_input(raw)
    except ResidenceInputError as exc:
        assert "\n" not in str(exc)


@given(
    st.dictionaries(
        st.sampled_from(["type", "left", "returned", "source", "date", "at", "tz"]),
        st.one_of(
            st.none(),
            st.text(max_size=25),
            st.sampled_from(
                [
                    "trip",
                    "exit",
                    "entry",
                    "2026-03-01",
                    "2026-03-01T10:00:00Z",
                    "Europe/Paris",
                    "declared",
                ]
            ),
        ),
        max_size=5,
    )
)
def test_arbitrary_records_parse_or_fail_cleanly(raw: dict[str, Any]) -> None:
    try:
        record = parse_record(raw, "FR", "records[0]")
    except ResidenceInputError as exc:
        assert exc.path.startswith("records[0]")
    else:
        assert isinstance(record, Trip | Crossing)


def test_period_boundary_lengths() -> None:
    assert Period(date(2028, 1, 1), date(2028, 12, 31)).days == 366
    assert Period(date(2026, 1, 1), date(2026, 1, 1)).days == 1
    start = date(2026, 3, 1)
    with pytest.raises(ResidenceInputError):
        Period(start, start + timedelta(days=366))
