"""Positions, wait estimates from the recent pace of invitations, and reviews due."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from waitlist_strategies import entry_id, policy

from relocard.core.waitlist import (
    Event,
    Ledger,
    Unavailable,
    estimate_wait,
    pace_interval,
    reviews_due,
)

JAN1 = date(2026, 1, 1)
APR1 = date(2026, 4, 1)


def _ledger(quotas: dict[int, int], waiting: int = 30, invited: int = 10, min_inv: int = 5):
    """``waiting`` entries registered and triaged on 1 January; the first ``invited`` of them
    invited in turn, evenly from 2 January to 31 March."""
    ledger = Ledger("FR")
    ledger.adopt_policy(policy({"standard": quotas}, min_invitations=min_inv), on=JAN1)
    ids = [entry_id(i) for i in range(1, waiting + 1)]
    for entry in ids:
        ledger.append(Event.registration(entry, on=JAN1))
        ledger.append(Event.triage(entry, on=JAN1, category="standard"))
    for i, entry in enumerate(ids[:invited]):
        day = JAN1 + timedelta(days=1 + (88 * i) // max(invited - 1, 1))
        ledger.append(Event.invitation(entry, on=day, category="standard"))
    return ledger, ids


def test_the_likely_day_follows_the_pace_of_the_window() -> None:
    ledger, ids = _ledger({2026: 100, 2027: 100})
    estimate = estimate_wait(ledger.state, ids[14], on=APR1)
    assert estimate.available and estimate.position.position == 5
    assert estimate.position.waiting == 20
    # The category opened on 1 January: 91 days up to 1 April, 10 invitations in them.
    assert (estimate.window_start, estimate.window_days, estimate.invitations) == (JAN1, 91, 10)
    pace = 10 / 91
    assert estimate.likely == APR1 + timedelta(days=math.ceil(5 / pace))
    assert estimate.earliest < estimate.likely < estimate.latest
    low, high = pace_interval(10)
    assert estimate.earliest == APR1 + timedelta(days=math.ceil(5 / (high / 91)))
    assert estimate.latest == APR1 + timedelta(days=math.ceil(5 / (low / 91)))
    assert estimate.assumed_quota_years == ()


def test_the_window_is_the_policy_s_days_when_the_category_is_older() -> None:
    ledger, ids = _ledger({2026: 100, 2027: 100})
    on = date(2026, 9, 30)  # 182 days back from here is after 1 January
    estimate = estimate_wait(ledger.state, ids[14], on=on)
    assert estimate.window_days == 182 and estimate.window_start == on - timedelta(days=181)
    assert estimate.invitations == 0 and estimate.unavailable is Unavailable.TOO_FEW_INVITATIONS


def test_no_estimate_from_too_few_invitations() -> None:
    ledger, ids = _ledger({2026: 100}, invited=4)
    estimate = estimate_wait(ledger.state, ids[10], on=APR1)
    assert estimate.unavailable is Unavailable.TOO_FEW_INVITATIONS
    assert (estimate.invitations, estimate.min_invitations) == (4, 5)
    assert estimate.likely is None and estimate.position.position == 7


def test_no_estimate_for_entries_without_a_place_in_an_order() -> None:
    ledger, ids = _ledger({2026: 100})
    ledger.append(Event.registration(entry_id(999), on=APR1))
    for entry in (ids[0], entry_id(999), entry_id(1000)):  # invited, untriaged, unknown
        estimate = estimate_wait(ledger.state, entry, on=APR1)
        assert estimate.unavailable is Unavailable.NOT_WAITING and estimate.position is None


def test_the_year_s_quota_holds_the_wait_to_next_year() -> None:
    ledger, ids = _ledger({2026: 12, 2027: 12})
    estimate = estimate_wait(ledger.state, ids[14], on=APR1)  # position 5, 2 places left
    pace = 10 / 91
    assert estimate.likely == date(2027, 1, 1) + timedelta(days=math.ceil(3 / pace) - 1)
    assert estimate.earliest.year == 2027 and estimate.assumed_quota_years == ()


def test_a_year_without_a_quota_yet_is_assumed_to_keep_the_last_one() -> None:
    ledger, ids = _ledger({2026: 12})
    estimate = estimate_wait(ledger.state, ids[14], on=APR1)
    assert estimate.available and estimate.likely.year == 2027
    assert estimate.assumed_quota_years == (2027,)


def test_no_places_in_any_year_means_no_estimate() -> None:
    ledger, ids = _ledger({2026: 10, 2027: 0})
    estimate = estimate_wait(ledger.state, ids[14], on=APR1)
    assert estimate.unavailable is Unavailable.NO_QUOTA and estimate.likely is None


def test_beyond_ten_years_the_estimate_says_so() -> None:
    ledger, ids = _ledger({2026: 100, 2027: 5}, waiting=150)
    # Position 140: some 30 invitations this year at the pace, then 5 places a year.
    estimate = estimate_wait(ledger.state, ids[-1], on=APR1)
    assert estimate.unavailable is Unavailable.BEYOND_HORIZON and estimate.likely is None


@given(st.integers(5, 25), st.integers(0, 60))
def test_later_positions_never_wait_less(invited: int, days: int) -> None:
    ledger, ids = _ledger({2026: 40, 2027: 40}, waiting=40, invited=invited)
    on = APR1 + timedelta(days=days)
    dates = [estimate_wait(ledger.state, e, on=on).likely for e in ids[invited:]]
    known = [d for d in dates if d is not None]
    assert known == sorted(known) and all(d > on for d in known)


@pytest.mark.parametrize("n", [1, 3, 5, 10, 25, 60, 200])
def test_the_pace_interval_has_80_percent_coverage(n: int) -> None:
    """Garwood's bounds: P(X >= n | lower) = 10 % and P(X <= n | upper) = 10 %."""
    low, high = pace_interval(n)

    def cdf(k: int, lam: float) -> float:
        term, total = math.exp(-lam), 0.0
        for i in range(k + 1):
            total += term
            term *= lam / (i + 1)
        return total

    assert 1 - cdf(n - 1, low) == pytest.approx(0.10, abs=0.01)
    assert cdf(n, high) == pytest.approx(0.10, abs=0.01)
    assert pace_interval(0)[0] == 0.0
    with pytest.raises(ValueError):
        pace_interval(-1)


def test_reviews_fall_due_after_the_category_s_interval() -> None:
    ledger, ids = _ledger({2026: 100}, waiting=3, invited=0)
    ledger.append(Event.review(ids[1], on=date(2026, 1, 20), category="standard"))
    # policy() gives every category a 30-day interval.
    assert reviews_due(ledger.state, on=date(2026, 1, 30)) == ()
    due = reviews_due(ledger.state, on=date(2026, 1, 31))
    assert [(d.entry, d.due_on) for d in due] == [
        (ids[0], date(2026, 1, 31)),
        (ids[2], date(2026, 1, 31)),
    ]
    due = reviews_due(ledger.state, on=date(2026, 2, 19))
    assert [d.entry for d in due] == [ids[0], ids[2], ids[1]]
    assert reviews_due(Ledger("FR").state, on=APR1) == ()
