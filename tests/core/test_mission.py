"""The mission's pure rules: the production state machine, the fee's amount, receipt numbers,
the D visa's checks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.core import mission

TODAY = date(2026, 12, 6)


def test_the_production_moves_only_forward_one_step():
    assert mission.next_production_state("", "order") == mission.ORDERED
    assert mission.next_production_state(mission.ORDERED, "ready") == mission.READY
    assert mission.next_production_state(mission.READY, "hand_over") == mission.HANDED_OVER
    for state, action in [
        ("", "ready"), ("", "hand_over"), (mission.ORDERED, "hand_over"),
        (mission.ORDERED, "order"), (mission.HANDED_OVER, "ready"), (mission.READY, "order"),
    ]:  # fmt: skip
        with pytest.raises(mission.MissionError) as exc:
            mission.next_production_state(state, action)
        assert exc.value.code == "production_move"


@pytest.mark.parametrize(
    ("text", "amount"), [("99", "99.00"), ("99.00", "99.00"), ("99,0", "99.00"), (" 99 ", "99.00")]
)
def test_amounts_in_euros(text, amount):
    assert mission.parse_fee_amount(text, due=Decimal(99)) == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "amount_missing"), ("   ", "amount_missing"), ("abc", "amount_format"),
        ("-5", "amount_format"), ("9.999", "amount_format"), ("1e2", "amount_format"),
        ("99.", "amount_format"), ("0", "amount_not_positive"), ("0.00", "amount_not_positive"),
        ("1000.01", "amount_too_large"), ("98", "amount_not_due"), ("NaN", "amount_format"),
    ],
)  # fmt: skip
def test_bad_amounts_have_a_code(text, code):
    with pytest.raises(mission.MissionError) as exc:
        mission.parse_fee_amount(text, due=Decimal(99))
    assert exc.value.code == code


@given(st.text(max_size=30))
def test_any_text_is_the_fee_due_or_refused_with_a_code(text):
    try:
        amount = mission.parse_fee_amount(text, due=Decimal("75.50"))
    except mission.MissionError as exc:
        assert exc.code.startswith("amount_")
    else:
        assert amount == Decimal("75.50")


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2))
def test_the_due_amount_is_accepted_with_a_point_or_a_comma(due):
    assert mission.parse_fee_amount(f"{due:.2f}", due=due) == due
    assert mission.parse_fee_amount(f"{due:.2f}".replace(".", ","), due=due) == due


def test_receipt_numbers_are_random_and_readable():
    numbers = {mission.receipt_number("FR", 2026) for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        state, year, a, b = number.split("-")
        assert (state, year, len(a), len(b)) == ("FR", "2026", 4, 4)
        assert not set(a + b) & set("ILOU")
    assert mission.receipt_number("DE", 2027, "ABCDEFGH") == "DE-2027-ABCD-EFGH"


def _visa(**changes):
    values = {
        "member_state": "FR", "number": "FRA012345678", "valid_from": TODAY,
        "valid_until": TODAY + timedelta(days=90), "entries": "single", "today": TODAY,
    }  # fmt: skip
    return [(p.field, p.code) for p in mission.check_visa(**{**values, **changes})]


def test_a_good_visa_has_no_problem():
    assert _visa() == []
    assert _visa(number=" fra 012345678 ") == []
    assert _visa(valid_until=TODAY + timedelta(days=364), entries="multiple") == []
    assert _visa(member_state="PL", number="POL000000001") == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"number": "FRA12345678"}, ("number", "visa_number_format")),
        ({"number": "FRA0123456789"}, ("number", "visa_number_format")),
        ({"number": "DEU012345678"}, ("number", "visa_number_state")),
        ({"valid_from": None}, ("valid_from", "date_missing")),
        ({"valid_from": TODAY - timedelta(days=1)}, ("valid_from", "visa_starts_in_past")),
        ({"valid_until": None}, ("valid_until", "date_missing")),
        ({"valid_until": TODAY}, ("valid_until", "visa_ends_before_start")),
        ({"valid_until": TODAY + timedelta(days=365)}, ("valid_until", "visa_too_long")),
        ({"entries": "double"}, ("entries", "visa_entries")),
    ],
)
def test_each_visa_problem_names_its_field(changes, problem):
    assert _visa(**changes) == [problem]


def test_every_problem_of_a_visa_is_listed():
    assert [f for f, _ in _visa(number="x", valid_from=None, valid_until=None, entries="")] == [
        "number", "valid_from", "valid_until", "entries",
    ]  # fmt: skip
