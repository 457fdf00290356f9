"""``relocard residence``: JSON in, JSON out, one-line errors with exit code 2."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from typing import Any

import pytest
from click.testing import CliRunner

from relocard.cli import main
from relocard.cli.residence import cli as residence_group
from relocard.core.residence import check, parse_input

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "residence.md"

CHECK_INPUT: dict[str, Any] = {
    "country": "FR",
    "period": {"start": "2026-01-01", "end": "2026-12-31"},
    "as_of": "2026-06-30",
    "records": [
        {"type": "trip", "left": "2026-03-10", "returned": "2026-03-20", "source": "declared"},
        {"type": "exit", "at": "2026-03-29T23:30:00", "tz": "Europe/Paris"},
        {"type": "entry", "at": "2026-04-02T08:00:00+02:00"},
        {"type": "trip", "left": "2026-06-01", "returned": None},
    ],
}


def invoke(args: list[str], stdin: str | None = None) -> Any:
    return CliRunner().invoke(main, args, input=stdin)


def write(tmp_path: pathlib.Path, data: Any, name: str = "input.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return str(path)


def test_check_prints_the_library_result(tmp_path: pathlib.Path) -> None:
    result = invoke(["residence", "check", write(tmp_path, CHECK_INPUT)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out == check(parse_input(CHECK_INPUT)).to_dict()
    assert out["status"] == "at_risk"
    assert out["absent_days"] == {"min": 9 + 3, "max": 9 + 3 + 29}
    assert out["needs_evidence"] == [3]
    assert out["latest_return"] is not None


def test_check_reads_standard_input() -> None:
    result = invoke(["residence", "check", "-"], stdin=json.dumps(CHECK_INPUT))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["days_in_period"] == 365


def _with_record(record: dict[str, Any]) -> dict[str, Any]:
    return {**CHECK_INPUT, "records": [CHECK_INPUT["records"][0], record]}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            _with_record({"type": "trip", "left": "2026-02-30", "returned": None}),
            "error: records[1].left: 2026-02-30 does not exist: February 2026 has 28 days.",
        ),
        (
            _with_record({"type": "trip", "left": "2026-03-10", "returned": "2026-03-01"}),
            "error: records[1].returned: the return 2026-03-01 is before the departure 2026-03-10",
        ),
        (
            _with_record({"type": "entry", "at": "2026-03-29T23:30:00"}),
            "error: records[1].at: '2026-03-29T23:30:00' has neither a time zone nor an offset",
        ),
        (
            _with_record({"type": "trip", "left": "26-03-10", "returned": None}),
            "error: records[1].left: '26-03-10' has a two-digit year",
        ),
        (
            {**CHECK_INPUT, "period": {"start": "2026-01-01", "end": "2027-01-31"}},
            "error: period: the period from 2026-01-01 to 2027-01-31 is 396 days long",
        ),
        ({**CHECK_INPUT, "country": "RU"}, "error: country: 'RU' is not an EU member state"),
        ("{not json", "error: "),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_exit_code_2(
    tmp_path: pathlib.Path, data: Any, expected: str
) -> None:
    result = invoke(["residence", "check", write(tmp_path, data)])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(expected)
    assert "Traceback" not in result.stderr


def test_missing_file_is_an_error(tmp_path: pathlib.Path) -> None:
    result = invoke(["residence", "check", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot read")


def test_schengen_prints_the_issue_example() -> None:
    data = {
        "stays": [{"entry": "2014-08-15", "exit": "2014-09-30"}],
        "control_date": "2014-11-30",
        "planned_entry": "2015-01-01",
    }
    result = invoke(["residence", "schengen", "-"], stdin=json.dumps(data))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "days_used": 47,
        "overstay_days": 0,
        "stay_possible_until": "2015-01-11",
        "max_stay_from_planned_entry": 90,
    }


def test_schengen_bad_input() -> None:
    data = {"stays": [{"entry": "2014-09-30", "exit": "2014-08-15"}], "control_date": "2014-11-30"}
    result = invoke(["residence", "schengen", "-"], stdin=json.dumps(data))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: stays[0].exit: the exit 2014-08-15 is before the entry")


def test_plan_with_and_without_stays(tmp_path: pathlib.Path) -> None:
    inp = write(tmp_path, {**CHECK_INPUT, "records": CHECK_INPUT["records"][:3]})
    result = invoke(["residence", "plan", inp, "--leave", "2026-08-01", "--return", "2026-08-15"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["on_track"] is True
    assert out["trip_absent_days"] == 13
    assert out["schengen"] is None
    stays = write(
        tmp_path, {"stays": [{"entry": "2026-04-01", "exit": "2026-05-20"}]}, "stays.json"
    )
    result = invoke(
        [
            "residence",
            "plan",
            inp,
            "--leave",
            "2026-07-01",
            "--return",
            "2026-07-30",
            "--stays",
            stays,
        ]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["schengen"]["max_stay_from_planned_entry"] == 40


def test_plan_bad_dates(tmp_path: pathlib.Path) -> None:
    inp = write(tmp_path, CHECK_INPUT)
    result = invoke(["residence", "plan", inp, "--leave", "01/08/2026", "--return", "2026-08-15"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --leave: '01/08/2026' is not a date")
    result = invoke(["residence", "plan", inp, "--leave", "2026-08-15", "--return", "2026-08-01"])
    assert result.exit_code == 2
    assert "before the departure" in result.stderr


def test_plan_stays_file_must_hold_stays(tmp_path: pathlib.Path) -> None:
    inp = write(tmp_path, CHECK_INPUT)
    stays = write(tmp_path, {"stay": []}, "stays.json")
    result = invoke(
        [
            "residence",
            "plan",
            inp,
            "--leave",
            "2026-07-01",
            "--return",
            "2026-07-02",
            "--stays",
            stays,
        ]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: stays: this field is required")


def test_member() -> None:
    result = invoke(["residence", "member", "RO", "2024-06-01", "--border", "land"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["in_schengen"] is False
    result = invoke(["residence", "member", "RO", "2024-06-01"])
    assert json.loads(result.stdout)["in_schengen"] is True
    result = invoke(["residence", "member", "TR", "2024-06-01"])
    assert result.exit_code == 2


def test_every_command_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name in residence_group.commands:
        assert f"relocard residence {name}" in text, name


def test_the_real_command_line_prints_no_traceback(tmp_path: pathlib.Path) -> None:
    bad = write(tmp_path, _with_record({"type": "trip", "left": "2026-02-30", "returned": None}))
    code = "from relocard.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, "residence", "check", bad],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "error: records[1].left: 2026-02-30 does not exist: February 2026 has 28 days."
    ]


def _json_block_after(text: str, heading: str) -> Any:
    start = text.index("```json\n", text.index(heading)) + len("```json\n")
    return json.loads(text[start : text.index("```", start)])


def test_documented_examples_are_the_real_output() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert _json_block_after(text, "### `relocard residence check INPUT.json`") == CHECK_INPUT
    assert _json_block_after(text, "### Output of `relocard residence check`") == (
        check(parse_input(CHECK_INPUT)).to_dict()
    )
