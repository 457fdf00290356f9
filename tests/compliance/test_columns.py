"""The columnar building blocks of the run, without a database."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from relocard.cards import compliance


@given(
    st.lists(st.integers(1, 30), max_size=25),
    st.lists(st.integers(1, 40), max_size=80),
)
def test_trips_go_to_every_active_card_of_their_holder(card_applicants, trip_applicants):
    applicants = np.array(card_applicants, dtype=np.int64)
    trips = np.array(trip_applicants, dtype=np.int64)
    days = np.arange(len(trips), dtype=np.int32)  # marks each trip
    holder, left, returned = compliance._CardRows(applicants).map(trips, days, days + 1)
    got = sorted(zip(holder.tolist(), left.tolist(), returned.tolist(), strict=True))
    expected = sorted(
        (row, i, i + 1)
        for i, who in enumerate(trip_applicants)
        for row, card_holder in enumerate(card_applicants)
        if card_holder == who
    )
    assert got == expected


def _verdicts(**columns) -> pl.DataFrame:
    base = {
        "card_id": [1],
        "status": ["ok"],
        "presence_status": ["on_track"],
        "present_min": [300],
        "present_max": [300],
        "budget_left_min": [26],
        "outcome": ["eligible"],
        "not_met": [""],
        "unknown": [""],
        "evidence_expires_on": [None],
    }
    return pl.DataFrame(base | columns, schema=compliance._VERDICT_SCHEMA)


def test_changes_finds_new_changed_and_worsened_rows_only():
    old = pl.concat(
        [
            _verdicts(card_id=[1]),
            _verdicts(card_id=[2], status=["failing"], not_met=["means"]),
            _verdicts(card_id=[3], status=["at_risk"]),
        ]
    )
    new = pl.concat(
        [
            _verdicts(card_id=[1]),  # unchanged
            _verdicts(card_id=[2], status=["at_risk"]),  # better
            _verdicts(card_id=[3], status=["at_risk"], evidence_expires_on=[date(2027, 1, 1)]),
            _verdicts(card_id=[4], status=["ok"]),  # new, fine
            _verdicts(card_id=[5], status=["failing"]),  # new, failing
        ]
    )
    changed = compliance.changes(old, new)
    assert dict(zip(changed["card_id"], changed["worsened"], strict=True)) == {
        2: False,
        3: False,
        4: False,
        5: True,
    }


def test_reminders_pick_the_latest_milestone_reached():
    today = date(2026, 6, 30)
    left = [130, 120, 119, 61, 60, 50, 30, 0, -1, 45]
    cards = pl.DataFrame(
        {
            "card_id": list(range(1, 11)),
            "member_state": ["FR"] * 9 + ["DE"],
            "valid_until": [today + timedelta(days=d) for d in left],
            "pending": [False] * 9 + [True],
            "user_id": list(range(11, 21)),
            "reference": [f"R{i}" for i in range(10)],
        }
    )
    sent = pl.DataFrame({"card_id": [5], "days_before": [60]})
    due = compliance.due_reminders(cards, sent, today=today)
    assert dict(zip(due["card_id"], due["days_before"], strict=True)) == {
        2: 120,
        3: 120,
        4: 120,
        6: 60,
        7: 30,
        8: 30,
    }
