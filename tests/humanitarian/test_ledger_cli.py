"""``relocard waitlist ledger --member-state XX [--out FILE]`` writes what ``verify`` accepts;
changing, removing or reordering a record makes ``verify`` fail."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from relocard.cli import main
from relocard.humanitarian import services as hs

pytestmark = pytest.mark.django_db


def invoke(*args):
    return CliRunner().invoke(main, ["waitlist", *args])


@pytest.fixture
def exported(tmp_path, make_request, officers, make_slot):
    first = make_request(triage="standard")
    second = make_request(triage="priority")
    make_request(triage="standard")
    hs.request_invite(actor=officers["a"], request=first, slot=make_slot())
    hs.request_withdraw(actor=second.person, request=second)
    out = tmp_path / "ledger-fr.json"
    result = invoke("ledger", "--member-state", "FR", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_the_exported_ledger_verifies(exported):
    result = invoke("verify", str(exported))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("consistent: 9 records of the FR waiting list")


def test_standard_output_and_errors():
    result = invoke("ledger", "--member-state", "fr")
    assert result.exit_code == 0 and json.loads(result.output)["member_state"] == "FR"
    for bad in ("IT", "France"):
        result = invoke("ledger", "--member-state", bad)
        assert result.exit_code == 2 and result.output.startswith("error: ")


def _edit(path, change):
    document = json.loads(path.read_text())
    change(document["records"])
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(
    "change, code",
    [
        (lambda r: r[5].update(category="immediate"), "hash-mismatch"),
        (lambda r: r.pop(4), "missing-record"),
        (lambda r: r.insert(3, r.pop(4)), "moved-record"),
    ],
    ids=["changed", "removed", "reordered"],
)
def test_a_changed_removed_or_reordered_record_fails(exported, change, code):
    _edit(exported, change)
    result = invoke("verify", str(exported))
    assert result.exit_code == 1 and f": {code}: " in result.output


def test_erase_command_erases_what_retention_allows(make_request):
    make_request()  # open: kept
    result = invoke("erase")
    assert result.exit_code == 0 and "of 0 closed requests" in result.output
