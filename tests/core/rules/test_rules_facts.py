"""Facts: the FACTS.json parser is strict on what is present and lenient on what is absent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rules_strategies import facts_mappings

from relocard.core.rules import AcceptedException, Cefr, Facts, RulesInputError
from relocard.core.rules.facts import FIELDS

FULL = {
    "nationality": "RU",
    "education": {"isced_level": 7},
    "languages": [{"language": "fr", "cefr": "B2"}],
    "employment": "employed",
    "housing": {"tenure": "owner", "country": "FR"},
    "liquid_assets_eur": 45000,
    "residence": {"present_days": 290, "period_days": 365},
}


def test_the_documented_example_parses_in_full() -> None:
    facts = Facts.from_mapping(FULL)
    assert facts.nationality == "RU"
    assert facts.isced_level == 7
    assert facts.languages is not None and facts.languages[0].cefr is Cefr.B2
    assert facts.liquid_assets_eur == Decimal(45000)
    assert (facts.present_days, facts.period_days) == (290, 365)
    assert facts.to_mapping() == FULL


def test_absent_and_null_keys_are_unknown() -> None:
    assert Facts.from_mapping({}) == Facts()
    nulls = {"nationality": None, "education": None, "housing": {"tenure": None}}
    assert Facts.from_mapping(nulls) == Facts()


def test_an_empty_language_list_is_a_fact_not_a_gap() -> None:
    assert Facts.from_mapping({"languages": []}).languages == ()
    assert Facts.from_mapping({}).languages is None


def test_codes_are_normalised() -> None:
    facts = Facts.from_mapping(
        {
            "nationality": "ru",
            "languages": [{"language": "FR", "cefr": "b2"}],
            "housing": {"country": "fr"},
        }
    )
    assert facts.nationality == "RU"
    assert facts.housing_country == "FR"
    assert facts.languages is not None
    assert (facts.languages[0].language, facts.languages[0].cefr) == ("fr", Cefr.B2)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"income": 1}, "income"),
        ({"education": {"isced": 7}}, "education.isced"),
        ({"education": 7}, "education"),
        ({"education": {"isced_level": 9}}, "education.isced_level"),
        ({"education": {"isced_level": "7"}}, "education.isced_level"),
        ({"education": {"isced_level": True}}, "education.isced_level"),
        ({"languages": [{"language": "fr", "cefr": "B3"}]}, "languages[0].cefr"),
        ({"languages": [{"language": "fr"}]}, "languages[0].cefr"),
        ({"languages": [{"language": "xx", "cefr": "B1"}]}, "languages[0].language"),
        ({"languages": [{"language": "fr", "cefr": "B1", "since": 2020}]}, "languages[0].since"),
        ({"languages": "fr"}, "languages"),
        ({"languages": ["fr"]}, "languages[0]"),
        ({"employment": "retired"}, "employment"),
        ({"housing": {"tenure": "squatter"}}, "housing.tenure"),
        ({"housing": {"country": "Atlantis"}}, "housing.country"),
        ({"nationality": "RUS"}, "nationality"),
        ({"nationality": 7}, "nationality"),
        ({"liquid_assets_eur": "lots"}, "liquid_assets_eur"),
        ({"liquid_assets_eur": -1}, "liquid_assets_eur"),
        ({"liquid_assets_eur": 12000.005}, "liquid_assets_eur"),
        ({"liquid_assets_eur": float("nan")}, "liquid_assets_eur"),
        ({"liquid_assets_eur": "Infinity"}, "liquid_assets_eur"),
        ({"liquid_assets_eur": False}, "liquid_assets_eur"),
        ({"liquid_assets_eur": [1]}, "liquid_assets_eur"),
        ({"liquid_assets_eur": 10**13}, "liquid_assets_eur"),
        ({"residence": {"present_days": 300, "period_days": 200}}, "residence.present_days"),
        ({"residence": {"period_days": 0}}, "residence.period_days"),
        ({"residence": {"period_days": 367}}, "residence.period_days"),
        ({"residence": {"present_days": -1}}, "residence.present_days"),
    ],
)
def test_bad_facts_name_the_key(data: dict[str, Any], key: str) -> None:
    with pytest.raises(RulesInputError) as info:
        Facts.from_mapping(data)
    assert str(info.value).startswith(f"{key}:")


def test_a_non_mapping_is_refused() -> None:
    with pytest.raises(RulesInputError, match="JSON object"):
        Facts.from_mapping([1, 2])  # type: ignore[arg-type]


def test_numeric_amount_strings_and_whole_floats_are_read() -> None:
    assert Facts.from_mapping({"liquid_assets_eur": "12000.50"}).liquid_assets_eur == Decimal(
        "12000.50"
    )
    assert Facts.from_mapping({"education": {"isced_level": 7.0}}).isced_level == 7


@given(facts_mappings)
def test_round_trip_through_the_mapping(data: dict[str, Any]) -> None:
    facts = Facts.from_mapping(data)
    assert Facts.from_mapping(facts.to_mapping()) == facts


@given(facts_mappings)
def test_round_trip_through_the_row(data: dict[str, Any]) -> None:
    facts = Facts.from_mapping(data)
    assert Facts.from_row(facts.row()) == facts
    assert set(facts.row()) == {f.name for f in FIELDS}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "nationality",
                "education",
                "languages",
                "employment",
                "housing",
                "liquid_assets_eur",
                "residence",
                "x",
            ]
        ),
        json_values,
    )
)
def test_any_junk_is_either_parsed_or_a_rules_input_error(data: dict[str, Any]) -> None:
    try:
        Facts.from_mapping(data)
    except RulesInputError as exc:
        assert ":" in str(exc)  # names the key


def test_accepted_exceptions_require_who_and_why() -> None:
    ok = AcceptedException.from_mapping(
        {"kind": "force_majeure_absence", "days": 5, "accepted_by": "A", "reason": "flight ban"}
    )
    assert ok.days == 5
    for bad in (
        {"kind": "force_majeure_absence", "days": 5, "accepted_by": "", "reason": "x"},
        {"kind": "force_majeure_absence", "days": 5, "accepted_by": "A"},
        {"kind": "force_majeure_absence", "days": 0, "accepted_by": "A", "reason": "x"},
        {"kind": "force_majeure_absence", "days": "5", "accepted_by": "A", "reason": "x"},
        {"kind": "force_majeure_absence", "days": 5, "accepted_by": "A", "reason": "x", "who": 1},
        {"kind": "force_majeure_absence", "accepted_by": "A", "reason": "x", "accepted_on": "x"},
    ):
        with pytest.raises(RulesInputError, match="exception"):
            AcceptedException.from_mapping(bad)
