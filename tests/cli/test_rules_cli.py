"""``relocard rules``: the interface others script against (JSON out, exit codes, one-line errors)."""

from __future__ import annotations

import json
import pathlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from relocard.cli import main
from relocard.cli.rules import cli as rules_cli
from relocard.core.rules.bulk import write_population
from relocard.core.rules.synthetic import population

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "rules.md"
FACTS = {
    "nationality": "RU",
    "education": {"isced_level": 7},
    "languages": [{"language": "fr", "cefr": "B2"}],
    "employment": "employed",
    "housing": {"tenure": "owner", "country": "FR"},
    "liquid_assets_eur": 45000,
    "residence": {"present_days": 290, "period_days": 365},
}


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["rules", *args], input=stdin)


def write_json(tmp_path: Path, data: Any, name: str = "facts.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), "utf-8")
    return str(path)


def assert_one_line_error(result: Result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0]


def test_explain_prints_the_documented_json(tmp_path: Path) -> None:
    result = run("explain", "--country", "FR", "--stage", "renewal", "--on", "2026-06-30",
                 write_json(tmp_path, FACTS))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["outcome"] == "eligible"
    assert [c["id"] for c in data["criteria"]] == [
        "employment", "residence", "housing", "means", "education", "language"
    ]  # fmt: skip
    assert data["policy"]["country"] == "FR" and data["policy"]["effective"] == "2024-06-01"
    assert "Ликвидные средства" in result.stdout  # Cyrillic kept readable, not \\u-escaped


def test_explain_exits_zero_when_not_eligible(tmp_path: Path) -> None:
    facts = write_json(tmp_path, {**FACTS, "liquid_assets_eur": 100})
    result = run("explain", "--country", "DE", "--stage", "issuance", "--on", "2026-03-01", facts)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["outcome"] == "not_eligible"
    means = next(c for c in data["criteria"] if c["id"] == "means")
    assert means["result"] == "not_met"
    assert means["threshold"]["required_eur"] == 13200


def test_explain_applies_overrides_and_exceptions(tmp_path: Path) -> None:
    facts = write_json(tmp_path, {**FACTS, "residence": {"present_days": 250, "period_days": 365}})
    exceptions = write_json(
        tmp_path,
        [
            {
                "kind": "force_majeure_absence",
                "days": 24,
                "accepted_by": "C. Dubois",
                "reason": "strike",
            }
        ],
        "exc.json",
    )
    result = run("explain", "--country", "FR", "--stage", "renewal", "--on", "2026-06-30",
                 "--set", "residence.force_majeure_cap_days=24", "--exceptions", exceptions, facts)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    residence = next(c for c in json.loads(result.stdout)["criteria"] if c["id"] == "residence")
    assert residence["result"] == "met"
    assert residence["exceptions"][0]["accepted"][0]["accepted_by"] == "C. Dubois"


def test_explain_reads_stdin(tmp_path: Path) -> None:
    result = run("explain", "--country", "PL", "--stage", "issuance", "-", stdin=json.dumps({}))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["outcome"] == "undetermined"


@pytest.mark.parametrize(
    ("args", "facts", "words"),
    [
        (["--country", "IT", "--stage", "issuance"], FACTS, ["unknown country 'IT'"]),
        (["--country", "FR", "--stage", "appeal"], FACTS, ["unknown stage 'appeal'"]),
        (
            ["--country", "FR", "--stage", "issuance"],
            {"languages": [{"language": "fr", "cefr": "B3"}]},
            ["languages[0].cefr", "CEFR"],
        ),
        (
            ["--country", "FR", "--stage", "issuance"],
            {"liquid_assets_eur": "plenty"},
            ["liquid_assets_eur", "not a number"],
        ),
        (["--country", "FR", "--stage", "issuance"], {"salary": 3000}, ["salary: unknown key"]),
        (
            ["--country", "FR", "--stage", "issuance", "--set", "means.months=a"],
            FACTS,
            ["override means.months"],
        ),
        (
            ["--country", "FR", "--stage", "issuance", "--set", "means.months"],
            FACTS,
            ["expected KEY=VALUE"],
        ),
        (
            ["--country", "FR", "--stage", "issuance", "--set", "nope=1"],
            FACTS,
            ["unknown parameter"],
        ),
        (
            ["--country", "FR", "--stage", "issuance", "--on", "2026-13-01"],
            FACTS,
            ["--on", "YYYY-MM-DD"],
        ),
        (
            ["--country", "FR", "--stage", "issuance", "--on", "2020-01-01"],
            FACTS,
            ["no policy is in force"],
        ),
        (["--stage", "issuance"], FACTS, ["--country is required"]),
        (["--country", "FR"], FACTS, ["--stage is required"]),
        (["--country", "FR", "--stage", "issuance", "--colour"], FACTS, ["No such option"]),
    ],
)
def test_explain_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, args: list[str], facts: Any, words: list[str]
) -> None:
    assert_one_line_error(run("explain", *args, write_json(tmp_path, facts)), *words)


def test_explain_bad_files_are_one_line(tmp_path: Path) -> None:
    assert_one_line_error(
        run("explain", "--country", "FR", "--stage", "issuance", str(tmp_path / "nope.json")),
        "cannot read",
    )
    bad = tmp_path / "bad.json"
    bad.write_text("{nationality: RU}", "utf-8")
    assert_one_line_error(
        run("explain", "--country", "FR", "--stage", "issuance", str(bad)), "not valid JSON"
    )
    assert_one_line_error(
        run("explain", "--country", "FR", "--stage", "issuance", write_json(tmp_path, [1])),
        "facts must be a JSON object",
    )
    assert_one_line_error(
        run(
            "explain",
            "--country",
            "FR",
            "--stage",
            "renewal",
            "--exceptions",
            write_json(tmp_path, {"kind": "x"}, "e.json"),
            write_json(tmp_path, FACTS),
        ),
        "expected a JSON list",
    )


@pytest.fixture(scope="module")
def populations(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("populations")
    frame = population(1500, seed=9).with_row_index("id")
    write_population(frame, root / "pop.parquet")
    write_population(frame, root / "pop.csv")
    return {"parquet": str(root / "pop.parquet"), "csv": str(root / "pop.csv"), "root": str(root)}


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_simulate_json_counts_before_and_after(populations: dict[str, str], kind: str) -> None:
    result = run("simulate", "--country", "DE", "--stage", "issuance", "--on", "2026-03-01",
                 "--set", "means.monthly_amount=900", "--json", populations[kind])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["rows"] == 1500
    assert report["overrides"] == {"means.monthly_amount": 900}
    assert report["after"]["outcomes"]["eligible"] > report["before"]["outcomes"]["eligible"]
    assert set(report["before"]["first_failing"]) <= {
        "nationality",
        "education",
        "language",
        "means",
    }


def test_simulate_text_and_json_agree(populations: dict[str, str]) -> None:
    args = ["--country", "FR", "--stage", "renewal", "--on", "2026-06-30",
            "--set", "residence.required_share=2/3"]  # fmt: skip
    text = run("simulate", *args, populations["parquet"])
    data = json.loads(run("simulate", *args, "--json", populations["parquet"]).stdout)
    assert text.exit_code == 0
    assert "overrides: residence.required_share=2/3" in text.stdout
    eligible = next(line for line in text.stdout.splitlines() if line.startswith("eligible"))
    before, after = data["before"]["outcomes"]["eligible"], data["after"]["outcomes"]["eligible"]
    assert eligible.split()[1:3] == [f"{before:,}", f"{after:,}"]
    assert f"cases changing outcome: {data['changed']['rows']:,}" in text.stdout


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("nationality,isced\nRU,7\n", ["unknown column 'isced'"]),
        ("nationality,isced_level\nRU,seven\n", ["column isced_level, row 1", "'seven'"]),
        ("nationality,languages\nRU,fr:B9\n", ["column languages, row 1", "CEFR"]),
        ("nationality,liquid_assets_eur\nRU,12k\n", ["column liquid_assets_eur, row 1", "'12k'"]),
    ],
)
def test_simulate_bad_tables_are_one_line(tmp_path: Path, content: str, words: list[str]) -> None:
    path = tmp_path / "pop.csv"
    path.write_text(content, "utf-8")
    result = run("simulate", "--country", "FR", "--stage", "issuance", str(path))
    assert_one_line_error(result, str(path), *words)


def test_simulate_missing_file_is_one_line(tmp_path: Path) -> None:
    assert_one_line_error(
        run("simulate", "--country", "FR", "--stage", "issuance", str(tmp_path / "p.csv")),
        "no such file",
    )


def test_rules_test_runs_the_shipped_cases() -> None:
    result = run("test")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.strip().endswith("cases passed")
    verbose = run("test", "-v")
    assert verbose.stdout.count("PASS ") >= 25


def test_rules_test_fails_with_the_differences(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "schema: relocard-cases/1\ncases:\n  - name: wrong\n    country: FR\n    stage: issuance\n"
        '    on: "2026-03-01"\n    facts: {}\n    expect:\n      outcome: eligible\n'
        "      criteria: {nationality: met, education: unknown, language: unknown, means: unknown}\n",
        "utf-8",
    )
    result = run("test", str(tmp_path))
    assert result.exit_code == 1
    assert "FAIL " in result.stdout and "nationality is unknown, expected met" in result.stdout
    assert result.stdout.strip().endswith("1 of 1 cases failed")


def test_rules_test_bad_case_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("schema: relocard-cases/1\ncases: [{name: x}]\n", "utf-8")
    assert_one_line_error(run("test", str(tmp_path / "c.yaml")), "c.yaml: cases[0]")


def test_every_command_is_documented() -> None:
    text = DOCS.read_text("utf-8")
    for name in rules_cli.commands:
        assert f"relocard rules {name}" in text, name
