"""``relocard waitlist verify``: exit 0 for a consistent ledger, 1 naming the first broken
record, 2 with one line on stderr for input that is no ledger."""

from __future__ import annotations

import copy
import json
import pathlib
import subprocess
import sys
from datetime import date, timedelta
from typing import Any

import pytest
from click.testing import CliRunner

from relocard.cli import main
from relocard.core.identifiers import check_character
from relocard.core.waitlist import Event, Ledger, load_humanitarian_policy, record_hash

ROOT = pathlib.Path(__file__).resolve().parents[2]
D = date(2026, 3, 2)


def _id(body: str) -> str:
    full = body + check_character(body, "HV")
    return "HV-" + "-".join(full[i : i + 4] for i in range(0, 16, 4))


A, B, C = _id("AAAAAAAAAAAAAAA"), _id("BBBBBBBBBBBBBBB"), _id("CCCCCCCCCCCCCCC")


def _document() -> dict[str, Any]:
    ledger = Ledger("DE")
    ledger.adopt_policy(load_humanitarian_policy("DE").to_ledger(), on=D)
    for entry in (A, B, C):
        ledger.append(Event.registration(entry, on=D))
    for entry in (A, B, C):
        ledger.append(Event.triage(entry, on=D + timedelta(days=5), category="priority"))
    ledger.append(Event.invitation(A, on=D + timedelta(days=30), category="priority"))
    ledger.append(Event.withdrawal(B, on=D + timedelta(days=31), category="priority"))
    return ledger.to_json()


def write(tmp_path: pathlib.Path, data: Any, name: str = "ledger.json") -> str:
    path = tmp_path / name
    text = data if isinstance(data, str) else json.dumps(data, indent=2)
    path.write_text(text, encoding="utf-8")
    return str(path)


def invoke(args: list[str], stdin: str | None = None) -> Any:
    return CliRunner().invoke(main, ["waitlist", *args], input=stdin)


def test_a_consistent_ledger_exits_0() -> None:
    document = _document()
    result = invoke(["verify", "-"], stdin=json.dumps(document))
    assert result.exit_code == 0, result.output
    head = document["records"][-1]["hash"]
    assert result.stdout == f"consistent: 9 records of the DE waiting list, last hash {head}\n"


def test_a_changed_record_exits_1_naming_it(tmp_path: pathlib.Path) -> None:
    document = _document()
    document["records"][2]["date"] = "2026-03-03"
    result = invoke(["verify", write(tmp_path, document)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"broken: record 3 (seq 3, entry {B}): hash-mismatch: the record's content does not "
        "match its hash: it was changed after it was written"
    )
    assert lines[1] == "2 of 9 records of the DE waiting list are consistent before it."


def test_a_removed_record_exits_1_naming_its_seq(tmp_path: pathlib.Path) -> None:
    document = _document()
    del document["records"][4]
    result = invoke(["verify", write(tmp_path, document)])
    assert result.exit_code == 1
    assert result.stdout.startswith(
        "broken: record 5 (seq 5): missing-record: the record with seq 5"
    )


def test_reordered_records_exit_1(tmp_path: pathlib.Path) -> None:
    document = _document()
    records = document["records"]
    records[2], records[3] = records[3], records[2]
    result = invoke(["verify", write(tmp_path, document)])
    assert result.exit_code == 1 and "moved-record" in result.stdout


def test_an_invitation_out_of_turn_without_reason_exits_1_naming_the_rule(
    tmp_path: pathlib.Path,
) -> None:
    document = _document()
    invitation = document["records"][7]
    assert invitation["event"] == "invitation"
    invitation["entry"] = C  # C registered after B, who was still waiting
    invitation["hash"] = record_hash(invitation)
    for i in range(8, len(document["records"])):
        document["records"][i]["prev_hash"] = document["records"][i - 1]["hash"]
        document["records"][i]["hash"] = record_hash(document["records"][i])
    result = invoke(["verify", write(tmp_path, document)])
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"broken: record 8 (seq 8, entry {C}): invited-out-of-order: invited while {A}"
    )


def test_an_earlier_copy_must_be_an_unchanged_beginning(tmp_path: pathlib.Path) -> None:
    document = _document()
    earlier = copy.deepcopy(document)
    earlier["records"] = earlier["records"][:5]
    old = write(tmp_path, earlier, "old.json")
    ok = invoke(["verify", write(tmp_path, document), "--previous", old])
    assert ok.exit_code == 0 and "the earlier copy is an unchanged beginning of it" in ok.stdout
    # Rewritten history: registration of C changed, every hash after it recomputed.
    forged = copy.deepcopy(document)
    forged["records"][3]["date"] = "2026-03-03"
    for i in range(3, len(forged["records"])):
        forged["records"][i]["prev_hash"] = forged["records"][i - 1]["hash"]
        forged["records"][i]["hash"] = record_hash(forged["records"][i])
    path = write(tmp_path, forged, "forged.json")
    assert invoke(["verify", path]).exit_code == 0  # consistent in itself
    result = invoke(["verify", path, "--previous", old])
    assert result.exit_code == 1 and result.stdout.startswith(
        f"broken: record 4 (seq 4, entry {C}): rewritten:"
    )


def _bad_inputs(tmp_path: pathlib.Path) -> list[tuple[list[str], str]]:
    good = write(tmp_path, _document(), "good.json")
    other = {**_document(), "member_state": "FR"}
    return [
        ([str(tmp_path / "missing.json")], "error: cannot read ledger"),
        ([str(tmp_path)], "error: cannot read ledger"),
        ([write(tmp_path, "{", "a.json")], "not valid JSON: Expecting property name"),
        ([write(tmp_path, "[1, 2]", "b.json")], "not a ledger: expected a JSON object"),
        ([write(tmp_path, {"format": "x", "member_state": "DE", "records": []}, "c.json")],
         "not a ledger of this format"),
        ([write(tmp_path, '{"records": [Infinity]}', "d.json")], "Infinity is not a JSON number"),
        ([good, "--previous", str(tmp_path / "nope.json")], "error: cannot read earlier copy"),
        ([good, "--previous", write(tmp_path, other, "e.json")],
         "the earlier copy is the ledger of FR, this one of DE"),
    ]  # fmt: skip


def test_input_that_is_no_ledger_exits_2_with_one_line(tmp_path: pathlib.Path) -> None:
    for args, message in _bad_inputs(tmp_path):
        result = invoke(["verify", *args])
        assert result.exit_code == 2, (args, result.output)
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
        assert "Traceback" not in result.stderr


def test_bytes_that_are_not_utf8_exit_2(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"format": "\xe9"}')
    result = invoke(["verify", str(path)])
    assert result.exit_code == 2 and "not UTF-8" in result.stderr


@pytest.mark.parametrize(("edit", "code"), [(None, 0), ("change", 1), ("garbage", 2)])
def test_the_installed_command_exits_with_the_documented_codes_without_django(
    tmp_path: pathlib.Path, edit: str | None, code: int
) -> None:
    document: Any = _document()
    if edit == "change":
        document["records"][1]["entry"] = C
    elif edit == "garbage":
        document = "not json"
    path = write(tmp_path, document)
    script = (
        "import sys\n"
        "from relocard.cli import main\n"
        "try:\n"
        f"    main(['waitlist', 'verify', {path!r}])\n"
        "except SystemExit as exc:\n"
        "    loaded = [m for m in sys.modules if m == 'django' or m.startswith('django.')]\n"
        "    print('django loaded' if loaded else 'no django', file=sys.stderr)\n"
        "    raise\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == code, out.stderr
    assert out.stderr.splitlines()[-1] == "no django"


def test_the_command_is_documented() -> None:
    result = CliRunner().invoke(main, ["waitlist", "--help"])
    assert result.exit_code == 0 and "verify" in result.output
    result = CliRunner().invoke(main, ["waitlist", "verify", "--help"])
    assert result.exit_code == 0 and "--previous" in result.output
    docs = (ROOT / "docs" / "humanitarian.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "relocard waitlist verify ledger-fr.json --previous" in docs
    assert "relocard waitlist verify FILE [--previous EARLIER.json]" in readme
    assert "docs/humanitarian.md" in readme
