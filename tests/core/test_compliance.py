"""The compliance verdict's rule and the run's columnar building blocks, without a database."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.core import compliance
from relocard.core.rules.bulk import exception_columns

# --- the rule, without a database ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({}, "ok"),
        ({"other_not_met": True}, "failing"),
        ({"residence_not_met": True}, "at_risk"),
        ({"residence_not_met": True, "year_over": True}, "failing"),
        ({"any_unknown": True}, "ok"),
        ({"any_unknown": True, "window_open": True}, "at_risk"),
        ({"evidence_expires_early": True}, "at_risk"),
        ({"other_not_met": True, "evidence_expires_early": True}, "failing"),
        ({"year_over": True, "window_open": True}, "ok"),
    ],
)
def test_the_rule(flags, expected):
    args = dict.fromkeys(
        (
            "residence_not_met",
            "other_not_met",
            "any_unknown",
            "year_over",
            "window_open",
            "evidence_expires_early",
        ),
        False,
    )
    assert compliance.verdict_status(**(args | flags)).value == expected


@given(st.lists(st.tuples(*[st.booleans()] * 6), min_size=1, max_size=40))
def test_the_columnar_rule_is_the_scalar_rule(rows):
    names = (
        "_residence_not_met",
        "_other_not_met",
        "_any_unknown",
        "_year_over",
        "_window_open",
        "_evidence_expires_early",
    )
    frame = pl.DataFrame(rows, schema=dict.fromkeys(names, pl.Boolean), orient="row")
    got = frame.select(
        compliance.status_expr(pl.col("_year_over"), pl.col("_window_open"))
    ).to_series()
    expected = [
        compliance.verdict_status(
            residence_not_met=r[0],
            other_not_met=r[1],
            any_unknown=r[2],
            year_over=r[3],
            window_open=r[4],
            evidence_expires_early=r[5],
        ).value
        for r in rows
    ]
    assert got.to_list() == expected


def test_the_force_majeure_column_is_the_rules_one():
    assert compliance.FORCE_MAJEURE_COLUMN in exception_columns()


# --- columns ------------------------------------------------------------------------------------


@given(
    st.lists(st.integers(1, 30), max_size=25),
    st.lists(st.integers(1, 40), max_size=80),
)
def test_trips_go_to_every_active_card_of_their_holder(card_applicants, trip_applicants):
    applicants = np.array(card_applicants, dtype=np.int64)
    trips = np.array(trip_applicants, dtype=np.int64)
    days = np.arange(len(trips), dtype=np.int32)  # marks each trip
    holder, left, returned = compliance.CardRows(applicants).map(trips, days, days + 1)
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
    return pl.DataFrame(base | columns, schema=compliance.VERDICT_SCHEMA)


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
