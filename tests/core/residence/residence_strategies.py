"""Hypothesis strategies and small oracles shared by the residence tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from relocard.core.residence import CheckInput, Crossing, CrossingKind, Period, Source, Trip

COUNTRIES = ("FR", "DE", "PL", "CY")
SOURCES = tuple(Source)


def day(text: str) -> date:
    return date.fromisoformat(text)


@st.composite
def periods(draw: st.DrawFn) -> Period:
    start = draw(st.dates(date(2024, 1, 1), date(2029, 12, 31)))
    length = draw(st.one_of(st.sampled_from([365, 366]), st.integers(1, 366), st.integers(1, 40)))
    return Period(start, start + timedelta(days=length - 1))


@st.composite
def trips(draw: st.DrawFn, lo: date, hi: date, open_ends: bool = True) -> Trip:
    left = draw(st.dates(lo, hi))
    if open_ends and draw(st.integers(0, 6)) == 0:
        returned = None
    else:
        returned = left + timedelta(days=draw(st.integers(0, 45)))
    return Trip(left, returned, draw(st.sampled_from(SOURCES)))


@st.composite
def crossings(draw: st.DrawFn, lo: date, hi: date, country: str) -> Crossing:
    kind = draw(st.sampled_from(list(CrossingKind)))
    on = draw(st.dates(lo, hi))
    source = draw(st.sampled_from(SOURCES))
    if draw(st.booleans()):
        return Crossing(kind, on, None, source)
    # A few fixed times make crossings collide on the same instant, as real records do.
    clock = draw(st.sampled_from([time(0, 30), time(10, 0), time(23, 30)]) | st.times())
    zone = draw(
        st.sampled_from(
            [ZoneInfo("Europe/Paris"), ZoneInfo("Asia/Nicosia"), UTC, timezone(timedelta(hours=3))]
        )
    )
    instant = datetime.combine(on, clock).replace(tzinfo=zone)
    return Crossing.at(kind, instant, country, source)


@st.composite
def check_inputs(
    draw: st.DrawFn,
    *,
    max_records: int = 8,
    with_crossings: bool = True,
    open_ends: bool = True,
) -> CheckInput:
    country = draw(st.sampled_from(COUNTRIES))
    period = draw(periods())
    # Records cluster around the period so that they overlap, touch and cross its ends.
    margin = timedelta(days=40)
    span = min(period.days, 120)
    lo = period.start - margin
    hi = period.start + timedelta(days=span) + margin
    if draw(st.booleans()):  # sometimes around the end instead
        hi = period.end + margin
        lo = hi - timedelta(days=span) - 2 * margin
    record = trips(lo, hi, open_ends)
    if with_crossings:
        record = st.one_of(record, crossings(lo, hi, country))
    records = draw(st.lists(record, max_size=max_records))
    as_of = draw(
        st.one_of(
            st.just(period.end),
            st.dates(period.start - timedelta(days=5), period.end + timedelta(days=5)),
        )
    )
    return CheckInput(country, period, as_of, tuple(records))


def absent_days_by_simulation(trips_: list[Trip], first: date, last: date) -> int:
    """The plain definition, day by day: absent when strictly between a departure and return."""
    count = 0
    current = first
    while current <= last:
        if any(t.returned is not None and t.left < current < t.returned for t in trips_):
            count += 1
        current += timedelta(days=1)
    return count
