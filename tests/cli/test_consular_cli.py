"""``relocard consular draw-verify``: exit 0 when a record recomputes, 1 naming what differs,
2 with one line on stderr for a file that is no performed draw record."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest
from click.testing import CliRunner

from relocard.cli import main
from relocard.core.consular import build_record

SEED = bytes.fromhex("11" * 32)


def _record() -> dict:
    return build_record(
        seed=SEED,
        entries=["0f3a", "9b21", "c4d0", "77aa"],
        slots=["20261210T0900-01", "20261210T0930-01"],
        context={"mission": {"id": 3}, "window": {"id": 7}, "draw": 1},
    )


def _write(tmp_path: pathlib.Path, data) -> str:
    path = tmp_path / "draw.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_a_record_recomputes(tmp_path):
    result = CliRunner().invoke(main, ["consular", "draw-verify", _write(tmp_path, _record())])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("recomputed: draw 1 of window 7: 2 of 2 slots to 4 entries")


def test_a_tampered_record_exits_1(tmp_path):
    record = _record()
    record["assignments"][0]["entry"] = (
        "77aa" if record["assignments"][0]["entry"] != "77aa" else "0f3a"
    )
    result = CliRunner().invoke(main, ["consular", "draw-verify", _write(tmp_path, record)])
    assert result.exit_code == 1
    assert result.output.startswith("mismatch: slot 20261210T0900-01 went to")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "is not valid JSON"),
        ([1, 2], "not a JSON object"),
        ({**_record(), "seed": None}, "not been performed yet"),
    ],
)
def test_unusable_input_exits_2_with_one_line(tmp_path, content, says):
    result = CliRunner().invoke(main, ["consular", "draw-verify", _write(tmp_path, content)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and says in lines[0]


def test_standard_input_through_the_installed_command():
    done = subprocess.run(
        [sys.executable, "-m", "relocard.cli", "consular", "draw-verify", "-"],
        input=json.dumps(_record()),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "the seed matches its commitment" in done.stdout
