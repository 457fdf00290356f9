"""The foundation's pure modules: identifiers, workflow table, calendar, evidence facts."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.core import workflow
from relocard.core.calendar import add_months, card_validity_end
from relocard.core.evidence import (
    CRITERION_KINDS,
    KIND_FACTS,
    VerifiedEvidence,
    facts_from_evidence,
)
from relocard.core.identifiers import (
    ALPHABET,
    IdentifierError,
    card_number_is_valid,
    check_character,
    new_card_number,
    new_case_reference,
    normalise_card_number,
)
from relocard.core.translit import icao_transliterate
from relocard.reference.eu27 import EU27

CODES = [code for code, *_ in EU27]


@given(st.sampled_from(CODES))
def test_new_card_numbers_validate(code):
    number = new_card_number(code)
    assert number.startswith(f"{code}-") and card_number_is_valid(number)
    assert len(number.replace("-", "")) == 22


@given(st.sampled_from(CODES), st.data())
def test_any_single_typo_is_caught(code, data):
    number = new_card_number(code).replace("-", "")
    pos = data.draw(st.integers(2, len(number) - 1))
    wrong = data.draw(st.sampled_from([c for c in ALPHABET if c != number[pos]]))
    assert not card_number_is_valid(number[:pos] + wrong + number[pos + 1 :])


@given(st.sampled_from(CODES), st.data())
def test_any_swap_of_neighbours_but_0_and_z_is_caught(code, data):
    number = new_card_number(code).replace("-", "")
    pos = data.draw(st.integers(2, len(number) - 2))
    if number[pos] == number[pos + 1] or {number[pos], number[pos + 1]} == {"0", "Z"}:
        return  # Luhn mod N's one blind spot, as documented
    swapped = number[:pos] + number[pos + 1] + number[pos] + number[pos + 2 :]
    assert not card_number_is_valid(swapped)


def test_typed_card_numbers_are_normalised():
    number = new_card_number("LU")
    typed = number.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert normalise_card_number(typed) == number and card_number_is_valid(typed)
    for bad in ["", "F", "FR-123", "FR-" + "U" * 20]:
        assert not card_number_is_valid(bad)
    with pytest.raises(IdentifierError, match="two letters"):
        normalise_card_number("12")
    with pytest.raises(IdentifierError):
        new_card_number("fr")


@given(st.text(alphabet=ALPHABET, min_size=1, max_size=30))
def test_check_character_is_in_the_alphabet(body):
    assert check_character(body, "FR") in ALPHABET


def test_case_references_are_random_and_readable():
    refs = {new_case_reference("DE") for _ in range(200)}
    assert len(refs) == 200 and all(r.startswith("DE-") and len(r) == 14 for r in refs)


@pytest.mark.parametrize(
    ("action", "state", "target"),
    [
        ("submit", "draft", "submitted"),
        ("approve", "in_review", "approved"),
        ("open_renewal", "approved", "draft"),
        ("reopen_on_appeal", "refused", "in_review"),
    ],
)
def test_workflow_moves(action, state, target):
    assert workflow.next_state(state, action) == target


def test_workflow_refuses_impossible_moves():
    with pytest.raises(workflow.TransitionError, match="cannot approve a case that is draft"):
        workflow.next_state("draft", "approve")
    with pytest.raises(KeyError):
        workflow.next_state("draft", "fly")
    assert workflow.actions_from("withdrawn") == []
    assert set(workflow.actions_from("in_review")) >= {
        "approve",
        "propose_refusal",
        "request_correction",
    }


def test_deadline_pause_and_percentile():
    due = workflow.decision_due(date(2026, 1, 1), 90)
    assert due == date(2026, 4, 1)
    assert workflow.extend_for_pause(due, date(2026, 2, 1), date(2026, 2, 11)) == date(2026, 4, 11)
    with pytest.raises(ValueError):
        workflow.extend_for_pause(due, date(2026, 2, 11), date(2026, 2, 1))
    assert workflow.percentile([], 0.9) is None
    assert workflow.percentile(range(1, 11), 0.9) == 9
    assert workflow.percentile([5], 0.9) == 5


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2200, 12, 31)), st.integers(-240, 240))
def test_add_months_keeps_the_day_or_the_month_end(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)


def test_one_year_card_ends_the_day_before_the_anniversary():
    assert card_validity_end(date(2026, 3, 1), 12) == date(2027, 2, 28)
    assert card_validity_end(date(2028, 2, 29), 12) == date(2029, 2, 27)
    assert card_validity_end(date(2026, 1, 1), 12) - date(2026, 1, 1) == timedelta(days=364)


def test_facts_from_verified_evidence():
    on = date(2026, 6, 1)
    facts = facts_from_evidence(
        [
            VerifiedEvidence("passport", {"nationality": "RU"}),
            VerifiedEvidence("diploma", {"isced_level": 6}),
            VerifiedEvidence("diploma", {"isced_level": 8}),
            VerifiedEvidence("language_certificate", {"language": "fr", "cefr": "B2"}),
            VerifiedEvidence(
                "language_certificate",
                {"language": "de", "cefr": "C1"},
                expires_on=date(2026, 5, 1),
            ),
            VerifiedEvidence(
                "business_registration", {"employment": "self_employed", "country": "FR"}
            ),
            VerifiedEvidence("employment_contract", {"employment": "employed", "country": "FR"}),
            VerifiedEvidence("lease_or_deed", {"tenure": "tenant", "country": "FR"}, order=1),
            VerifiedEvidence("lease_or_deed", {"tenure": "owner", "country": "DE"}, order=2),
            VerifiedEvidence("liquid_assets", {"amount_eur": 7000}),
            VerifiedEvidence("liquid_assets", {"amount_eur": 5500.5}),
        ],
        on=on,
    )
    assert facts == {
        "nationality": "RU",
        "education": {"isced_level": 8},
        "languages": [{"language": "fr", "cefr": "B2"}],  # the expired one does not count
        "employment": "employed",
        "housing": {"tenure": "owner", "country": "DE"},
        "liquid_assets_eur": 12500.5,
    }
    assert facts_from_evidence([], on=on) == {}


def test_icao_transliteration():
    assert icao_transliterate("Юлия Щукина") == "IULIIA SHCHUKINA"
    assert icao_transliterate("Пётр Ильич") == "PETR ILICH"


def test_every_criterion_but_residence_names_the_documents_that_prove_it():
    from datetime import date

    from relocard.core import rules

    for country in ("FR", "DE", "PL", "CY"):
        for stage in ("issuance", "renewal"):
            ids = {c.id for c in rules.criteria_for(country, stage, on=date(2026, 6, 1))}
            assert ids - {"residence"} <= set(CRITERION_KINDS), (country, stage)
    assert all(set(kinds) <= set(KIND_FACTS) for kinds in CRITERION_KINDS.values())
