"""``relocard screening match``: the EU list and a query in, hits as JSON out, one-line errors."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from typing import Any

import pytest
from click.testing import CliRunner

from relocard.cli import main
from relocard.cli.screening import cli as screening_group
from relocard.core.screening import ScreeningIndex, parse_list, parse_query

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "screening.md"
SAMPLE = ROOT / "tests" / "core" / "screening" / "data" / "eu_list_small.xml"

QUERY: dict[str, Any] = {"names": ["IULIIA ZHUKOVA", "Юлия Жукова"], "birth_date": "1980-09-30"}


def invoke(args: list[str], stdin: str | None = None) -> Any:
    return CliRunner().invoke(main, args, input=stdin)


def write(tmp_path: pathlib.Path, data: Any, name: str = "query.json") -> str:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def match(tmp_path: pathlib.Path, query: Any, listed: str = str(SAMPLE)) -> Any:
    return invoke(["screening", "match", "--list", listed, write(tmp_path, query)])


def test_the_documented_query_prints_its_hit(tmp_path: pathlib.Path) -> None:
    result = match(tmp_path, QUERY)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out) == ["hits"]
    (hit,) = out["hits"]
    assert list(hit) == ["list_id", "reference", "name", "score", "reasons"]
    assert hit["list_id"] == "900101" and isinstance(hit["list_id"], str)
    assert hit["reference"] == "EU.9001.01"
    assert hit["name"] == "Yuliya Vladimirovna ZHUKOVA"
    assert hit["score"] == 1.0
    assert "date of birth 1980-09-30 is the listed date of birth" in hit["reasons"]


def test_the_output_is_the_library_result(tmp_path: pathlib.Path) -> None:
    query = {"names": ["Natalia Smirnova", "ZHUKOVA Iuliia"], "birth_date": "1971-03-03"}
    index = ScreeningIndex(parse_list(SAMPLE.read_bytes()).entities)
    expected = [h.to_dict() for h in index.screen(parse_query(query))]
    result = match(tmp_path, query)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"hits": expected}
    assert [h["list_id"] for h in expected] == ["900103"]


def test_no_hit_is_an_empty_list(tmp_path: pathlib.Path) -> None:
    result = match(tmp_path, {"names": ["Ivan Sidorov"], "birth_date": "1990-01-01"})
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"hits": []}


def test_a_list_id_without_a_reference_and_no_birth_date(tmp_path: pathlib.Path) -> None:
    result = match(tmp_path, {"names": ["Козлов Дмитрий"]})
    (hit,) = json.loads(result.stdout)["hits"]
    assert hit["list_id"] == "900105" and hit["reference"] is None
    assert hit["reasons"][-1] == "no date of birth in the query: the name alone decides"


def test_the_query_can_come_from_standard_input() -> None:
    result = invoke(["screening", "match", "--list", str(SAMPLE), "-"], stdin=json.dumps(QUERY))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["hits"][0]["list_id"] == "900101"


BAD_QUERIES = [
    ("not json", "{names: }", "is not valid JSON"),
    ("no names", {"names": []}, "names: give at least one name"),
    ("names missing", {"birth_date": "1980-09-30"}, "names: missing"),
    ("one word", {"names": ["Zhukova"]}, "names[0]: 'Zhukova' has fewer than two name parts"),
    (
        "impossible date",
        {"names": ["Iuliia Zhukova"], "birth_date": "1980-02-30"},
        "birth_date: 1980-02-30 is not a date that exists",
    ),
    (
        "date format",
        {"names": ["Iuliia Zhukova"], "birth_date": "30/09/1980"},
        "birth_date: '30/09/1980' is not a date in the form YYYY-MM-DD",
    ),
    ("unknown field", {"names": ["Iuliia Zhukova"], "dob": "1980-09-30"}, "dob: unknown field"),
]


@pytest.mark.parametrize(
    ("query", "message"), [c[1:] for c in BAD_QUERIES], ids=[c[0] for c in BAD_QUERIES]
)
def test_an_unusable_query_is_one_line_and_exit_2(tmp_path, query, message) -> None:
    result = match(tmp_path, query)
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and message in line


BAD_LISTS = [
    ("missing", None, "cannot read"),
    ("not xml", b"logicalId;name\n1;Ivan Ivanov\n", "the file is not well-formed XML"),
    ("empty", b"", "the file is empty"),
    (
        "wrong namespace",
        b'<export xmlns="urn:other" generationDate="2026-01-01T00:00:00"/>',
        "expected http://eu.europa.ec/fpi/fsd/export",
    ),
    (
        "entity attack",
        b'<?xml version="1.0"?><!DOCTYPE export [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<export xmlns="http://eu.europa.ec/fpi/fsd/export">&x;</export>',
        "declares a document type",
    ),
    (
        "missing logicalId",
        SAMPLE.read_bytes().replace(b' logicalId="900103"', b""),
        "sanctionEntity no. 3: missing logicalId",
    ),
]


@pytest.mark.parametrize(
    ("content", "message"), [c[1:] for c in BAD_LISTS], ids=[c[0] for c in BAD_LISTS]
)
def test_an_unusable_list_is_one_line_and_exit_2(tmp_path, content, message) -> None:
    listed = str(tmp_path / "absent.xml")
    if content is not None:
        listed = write(tmp_path, content, "list.xml")
    result = match(tmp_path, QUERY, listed=listed)
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {'cannot read ' if content is None else ''}{listed}")
    assert message in line


def test_the_real_command_line_prints_no_traceback(tmp_path: pathlib.Path) -> None:
    bad = write(tmp_path, b"<export", "list.xml")
    done = subprocess.run(
        [sys.executable, "-m", "relocard.cli", "screening", "match", "--list", bad, "-"],
        input=json.dumps(QUERY),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"error: {bad}: the file is not well-formed XML: unclosed token at line 1, column 0"
    ]


def test_every_command_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name in screening_group.commands:
        assert f"relocard screening {name}" in text, name


def _json_block_after(text: str, heading: str) -> Any:
    start = text.index("```json\n", text.index(heading)) + len("```json\n")
    return json.loads(text[start : text.index("```", start)])


def test_documented_examples_are_the_real_output(tmp_path: pathlib.Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert _json_block_after(text, "### Query") == QUERY
    result = match(tmp_path, QUERY)
    assert _json_block_after(text, "### Output") == json.loads(result.stdout)
