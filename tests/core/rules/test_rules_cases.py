"""The YAML test cases beside the policies, and the checks on case files themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from relocard.core.rules import PolicyError
from relocard.core.rules.cases import check_case, default_case_files, load_cases, run_cases

SHIPPED = [case for f in default_case_files() for case in load_cases(f, f"policies/cases/{f.name}")]


def test_there_are_cases_for_every_country_and_stage() -> None:
    assert len(SHIPPED) >= 25
    assert {c.country for c in SHIPPED} == {"FR", "DE", "PL", "CY"}
    assert {c.stage for c in SHIPPED} == {"issuance", "renewal"}
    assert {c.expect["outcome"] for c in SHIPPED} == {"eligible", "not_eligible", "undetermined"}


@pytest.mark.parametrize("case", SHIPPED, ids=lambda c: f"{Path(c.file).stem}-{c.index}")
def test_shipped_case(case: object) -> None:
    result = check_case(case)  # type: ignore[arg-type]
    assert result.problems == ()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cases.yaml"
    path.write_text(text, "utf-8")
    return path


CASE = """\
schema: relocard-cases/1
cases:
  - name: a case
    country: FR
    stage: issuance
    on: "2026-03-01"
    facts: {nationality: RU, education: {isced_level: 7}}
    expect:
      outcome: {outcome}
      criteria: {criteria}
"""


def test_a_wrong_expectation_is_reported_not_raised(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        CASE.replace("{outcome}", "eligible").replace(
            "{criteria}", "{nationality: met, education: not_met, language: unknown}"
        ),
    )
    [result] = run_cases([path])
    assert not result.passed
    assert result.problems == (
        "outcome is undetermined, expected eligible",
        "the case lists criteria ['education', 'language', 'nationality'], the stage has "
        "['education', 'language', 'means', 'nationality']; list every criterion of the stage",
        "education is met, expected not_met",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            CASE.replace("{outcome}", "approved").replace("{criteria}", "{}"),
            "cases[0].expect.outcome",
        ),
        (CASE.replace("stage: issuance", "stage: appeal"), "cases[0].stage"),
        (
            CASE.replace('on: "2026-03-01"', 'on: "2026-02-30"'),
            "cases[0] (a case): on: '2026-02-30' is not a real date",
        ),
        (
            CASE.replace("nationality: RU,", "nationality: RU, salary: 1,"),
            "cases[0] (a case): salary: unknown key",
        ),
        (CASE.replace("    facts:", "    fact:"), "cases[0]: unknown key 'fact'"),
        ("schema: relocard-cases/2\ncases: []\n", "schema"),
        ("- just a list\n", "(top level)"),
    ],
)
def test_a_bad_case_file_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    if "{outcome}" in text:
        text = text.replace("{outcome}", "eligible").replace("{criteria}", "{nationality: met}")
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as info:
        run_cases([path])
    assert message in str(info.value)
    assert str(info.value).startswith(str(path))


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such file or directory"):
        run_cases([tmp_path / "nope.yaml"])


def test_a_directory_runs_all_its_files(tmp_path: Path) -> None:
    text = CASE.replace("{outcome}", "undetermined").replace(
        "{criteria}", "{nationality: met, education: met, language: unknown, means: unknown}"
    )
    (tmp_path / "a.yaml").write_text(text, "utf-8")
    (tmp_path / "b.yaml").write_text(text, "utf-8")
    results = run_cases([tmp_path])
    assert [r.passed for r in results] == [True, True]
