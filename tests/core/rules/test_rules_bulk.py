"""Bulk evaluation: the same rules over a table agree with single cases, row by row."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_strategies import facts_mappings, force_majeure, overrides

from relocard.core.rules import RulesInputError, evaluate, evaluate_table, facts_table, simulate
from relocard.core.rules.bulk import (
    TABLE_SCHEMA,
    check_columns,
    exception_columns,
    prepare_table,
    read_population,
    stage_columns,
    write_population,
)
from relocard.core.rules.synthetic import population

ON = date(2026, 3, 1)


@settings(max_examples=60)
@given(
    rows=st.lists(st.tuples(facts_mappings, force_majeure), min_size=1, max_size=12),
    country=st.sampled_from(["FR", "DE", "PL", "CY"]),
    stage=st.sampled_from(["issuance", "renewal"]),
    what_if=overrides,
    on=st.dates(min_value=date(2024, 6, 1), max_value=date(2027, 12, 31)),
)
def test_bulk_and_single_case_agree_on_random_facts(
    rows: list[tuple[dict[str, Any], list[dict[str, Any]]]],
    country: str,
    stage: str,
    what_if: dict[str, str],
    on: date,
) -> None:
    columns = [
        {"force_majeure_absence_days": sum(e["days"] for e in exc) if exc else None}
        for _, exc in rows
    ]
    table = facts_table([f for f, _ in rows], columns)
    bulk = evaluate_table(table, country=country, stage=stage, on=on, overrides=what_if)
    assert bulk.height == len(rows)
    for i, (facts, exc) in enumerate(rows):
        single = evaluate(
            country=country, stage=stage, facts=facts, on=on, overrides=what_if, exceptions=exc
        )
        got = bulk.row(i, named=True)
        assert {c.id: c.result.value for c in single.criteria} == {
            c.id: got[c.id] for c in single.criteria
        }
        assert got["outcome"] == single.outcome.value
        assert got["first_failing"] == single.first_failing


def test_the_synthetic_population_agrees_with_single_cases() -> None:
    frame = population(400, seed=7)
    for stage in ("issuance", "renewal"):
        bulk = evaluate_table(frame, country="DE", stage=stage, on=ON)
        for i, row in enumerate(frame.iter_rows(named=True)):
            days = row["force_majeure_absence_days"]
            exc = (
                [{"kind": "force_majeure_absence", "days": days, "accepted_by": "x", "reason": "y"}]
                if days
                else []
            )
            from relocard.core.rules import Facts

            single = evaluate(
                country="DE", stage=stage, facts=Facts.from_row(row), on=ON, exceptions=exc
            )
            assert bulk["outcome"][i] == single.outcome.value
            assert bulk["first_failing"][i] == single.first_failing


def test_the_synthetic_population_is_determined_by_its_seed() -> None:
    a, b = population(300, seed=1), population(300, seed=1)
    assert a.equals(b)
    assert not a.equals(population(300, seed=2))
    assert a.schema == {**TABLE_SCHEMA, "force_majeure_absence_days": pl.Int64()}
    outcomes = set(evaluate_table(a, country="FR", stage="renewal", on=ON)["outcome"])
    assert outcomes == {"eligible", "not_eligible", "undetermined"}


def test_results_keep_identifiers_and_typed_columns() -> None:
    table = facts_table([{"nationality": "RU"}, {"nationality": "BY"}]).with_columns(
        pl.Series("id", ["a", "b"])
    )
    out = evaluate_table(table, country="FR", stage="issuance", on=ON, keep=["id"])
    assert out.columns == [
        "id",
        "nationality",
        "education",
        "language",
        "means",
        "outcome",
        "first_failing",
    ]
    assert out["id"].to_list() == ["a", "b"]
    assert out["nationality"].to_list() == ["met", "not_met"]
    assert isinstance(out.schema["outcome"], pl.Enum)


def test_missing_columns_are_unknown() -> None:
    out = evaluate_table(
        pl.DataFrame({"nationality": ["RU"]}), country="FR", stage="issuance", on=ON
    )
    assert out.row(0, named=True) == {
        "nationality": "met", "education": "unknown", "language": "unknown", "means": "unknown",
        "outcome": "undetermined", "first_failing": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("isced_level", ["7", "seven"], "column isced_level, row 2: 'seven' is not a whole number"),
        ("isced_level", [7, 9], "column isced_level, row 2: 9 is out of range (0 to 8)"),
        (
            "nationality",
            ["RU", "Russia"],
            "column nationality, row 2: 'Russia' is not an ISO 3166-1",
        ),
        (
            "languages",
            ["fr:B2", "fr:B3"],
            "column languages, row 2: 'fr:B3' holds a level that is not a CEFR level",
        ),
        (
            "languages",
            ["xx:B2", None],
            "column languages, row 1: 'xx:B2' holds a language that is not an ISO 639-1 code",
        ),
        (
            "liquid_assets_eur",
            ["12000", "12k"],
            "column liquid_assets_eur, row 2: '12k' is not an amount in euros",
        ),
        ("liquid_assets_eur", ["-1", "1"], "column liquid_assets_eur, row 1: '-1' is negative"),
        ("liquid_assets_eur", ["1.005", "1"], "has more than two decimal places"),
        ("period_days", ["365", "400"], "column period_days, row 2: '400' is out of range"),
    ],
)
def test_bad_table_values_name_the_column_and_row(
    column: str, values: list[Any], message: str
) -> None:
    with pytest.raises(RulesInputError) as info:
        prepare_table(pl.DataFrame({column: values}))
    assert message in str(info.value)


def test_presence_cannot_exceed_the_period() -> None:
    with pytest.raises(RulesInputError, match="row 1: 300 exceeds period_days"):
        prepare_table(pl.DataFrame({"present_days": [300], "period_days": [200]}))


def test_unknown_columns_are_refused_when_asked() -> None:
    frame = pl.DataFrame({"isced": [7], "id": [1]})
    with pytest.raises(RulesInputError, match="unknown column 'isced'"):
        check_columns(frame, keep=("id",))
    check_columns(frame.drop("isced"), keep=("id",))


def test_codes_in_other_cases_are_normalised() -> None:
    out = prepare_table(
        pl.DataFrame({"nationality": ["ru"], "languages": ["FR:b2"], "housing_country": ["fr"]})
    )
    assert out["nationality"].to_list() == ["RU"]
    assert out["housing_country"].to_list() == ["FR"]
    assert out["languages"].to_list() == [[{"language": "fr", "cefr": "B2"}]]


def test_csv_and_parquet_give_the_same_results(tmp_path: Path) -> None:
    frame = population(2000, seed=11)
    for name in ("p.parquet", "p.csv"):
        write_population(frame, tmp_path / name)
    assert "none" in (tmp_path / "p.csv").read_text("utf-8")  # verified: no language
    results = [
        evaluate_table(read_population(tmp_path / name), country="PL", stage="renewal", on=ON)
        for name in ("p.parquet", "p.csv")
    ]
    assert results[0].equals(results[1])
    assert results[0].equals(evaluate_table(frame, country="PL", stage="renewal", on=ON))


def test_reading_a_population_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises(RulesInputError, match="no such file"):
        read_population(tmp_path / "missing.csv")
    (tmp_path / "p.xlsx").write_text("x")
    with pytest.raises(RulesInputError, match=r"expected a \.parquet or \.csv file"):
        read_population(tmp_path / "p.xlsx")
    with pytest.raises(RulesInputError, match=r"expected a \.parquet or \.csv file"):
        write_population(population(3), tmp_path / "p.xlsx")
    (tmp_path / "p.parquet").write_text("not parquet")
    with pytest.raises(RulesInputError, match="cannot read the table"):
        read_population(tmp_path / "p.parquet")


def test_simulate_reports_counts_and_moves() -> None:
    frame = population(3000, seed=5)
    report = simulate(
        frame, country="FR", stage="issuance", on=ON, overrides={"means.monthly_amount": "1500"}
    )
    before, after = report["before"], report["after"]
    assert (
        report["rows"]
        == 3000
        == sum(before["outcomes"].values())
        == sum(after["outcomes"].values())
    )
    assert report["overrides"] == {"means.monthly_amount": 1500}
    assert after["criteria"]["means"]["not_met"] > before["criteria"]["means"]["not_met"]
    assert after["outcomes"]["eligible"] < before["outcomes"]["eligible"]
    moved = sum(m["count"] for m in report["changed"]["moves"])
    assert moved == report["changed"]["rows"] > 0
    assert {m["from"] for m in report["changed"]["moves"]} <= {"eligible", "undetermined"}
    assert before["policy"]["hash"] != after["policy"]["hash"]
    # Only the means criterion moved: the others count the same before and after.
    for cid in ("nationality", "education", "language"):
        assert before["criteria"][cid] == after["criteria"][cid]


def test_stage_columns_cover_the_exception_inputs() -> None:
    assert "force_majeure_absence_days" in stage_columns(["residence"])
    assert "force_majeure_absence_days" not in stage_columns(["means"])
    assert exception_columns() == ("force_majeure_absence_days",)
