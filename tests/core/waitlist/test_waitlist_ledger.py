"""The ledger: canonical form and hash as documented, the documented example and recipes, and
the ledger the platform appends to."""

from __future__ import annotations

import hashlib
import json
import pathlib
import re
import shutil
import subprocess
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from waitlist_strategies import History, entry_id, histories, policy

from relocard.core.waitlist import (
    FORMAT,
    GENESIS_HASH,
    RULE_DESCRIPTIONS,
    Event,
    EventError,
    Ledger,
    Record,
    Rule,
    RuleViolation,
    canonical_json,
    load_humanitarian_policy,
    parse_ledger_json,
    verify_ledger,
)

DOCS = pathlib.Path(__file__).resolve().parents[3] / "docs" / "humanitarian.md"
A, B = entry_id(1), entry_id(2)
D = date(2026, 3, 2)


def _docs() -> str:
    return DOCS.read_text(encoding="utf-8")


def _block(language: str, index: int = 0) -> str:
    return re.findall(rf"```{language}\n(.*?)```", _docs(), flags=re.DOTALL)[index]


# --- canonical form --------------------------------------------------------------------------


def test_canonical_json_sorts_keys_and_drops_whitespace() -> None:
    value = {"b": [1, None, "x"], "a": {"d": 2, "c": '\\"'}}
    assert canonical_json(value) == b'{"a":{"c":"\\\\\\"","d":2},"b":[1,null,"x"]}'


@pytest.mark.parametrize(
    "value",
    [1.5, {"a": 2.0}, "é", "tab\there", {"k": 2**53}, {1: "x"}, {"€": 1}, b"bytes", {"s": {1}}],
)
def test_values_without_a_canonical_form_here_are_refused(value: Any) -> None:
    with pytest.raises(ValueError):
        canonical_json(value)


@given(histories(max_steps=15))
def test_the_documented_python_recipe_recomputes_every_chain(history: History) -> None:
    namespace: dict[str, Any] = {}
    exec(_block("python", 0), namespace)  # noqa: S102 - the recipe printed in the docs
    document = json.loads(json.dumps(history.ledger().to_json()))
    assert namespace["check_chain"](document) == history.ledger().head_hash


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (Debian package jq)")
def test_the_documented_jq_recipe_recomputes_the_hashes(tmp_path: pathlib.Path) -> None:
    ledger = Ledger("FR")
    ledger.adopt_policy(load_humanitarian_policy("FR").to_ledger(), on=D)
    ledger.append(Event.registration(A, on=D))
    ledger.append(Event.triage(A, on=D, category="standard"))
    path = tmp_path / "ledger-fr.json"
    path.write_text(json.dumps(ledger.to_json(), indent=2), encoding="utf-8")
    recipe = _block("sh", 1).replace("ledger-fr.json", str(path)).splitlines()
    computed = subprocess.run(
        ["bash", "-c", "\n".join(recipe[:2])], capture_output=True, text=True, check=True
    ).stdout.split()
    assert computed == [r.hash for r in ledger.records]


def test_the_documented_example_verifies_and_its_hash_is_as_stated() -> None:
    document = parse_ledger_json(_block("json"))
    result = verify_ledger(document)
    assert result.ok and result.records == 6
    assert result.state.entry("HV-K3M9-QXA7-PD2Y-B8NN").status.value == "invited"
    second = {k: v for k, v in document["records"][1].items() if k != "hash"}
    shown = re.search(r"```\n(\{\"category\":null.*?\})\n```", _docs()).group(1)
    assert canonical_json(second).decode() == shown
    assert hashlib.sha256(shown.encode()).hexdigest() == document["records"][1]["hash"]
    assert document["records"][1]["hash"] in _docs().split("whose SHA-256 is")[1][:80]


def test_the_documented_out_of_order_report_is_what_the_verifier_says() -> None:
    document = parse_ledger_json(_block("json"))
    last = document["records"][-1]
    last["entry"] = "HV-7TQ2-M4XW-9HC1-RZER"
    last["hash"] = Record.seal(
        Event.invitation(last["entry"], on=date(2026, 4, 14), category="standard"),
        seq=6,
        prev_hash=last["prev_hash"],
    ).hash
    problem = verify_ledger(document).problem
    assert f"broken: {problem}" in _docs()


def test_the_docs_list_every_rule_and_problem_code() -> None:
    docs = _docs()
    for rule in Rule:
        assert f"| `{rule.value}` | {RULE_DESCRIPTIONS[rule]} |" in docs
    for code in [
        "malformed", "hash-mismatch", "changed-record", "missing-record", "inserted-record",
        "moved-record", "bad-link", "bad-sequence", "rewritten", "truncated",
    ]:  # fmt: skip
        assert f"| `{code}` |" in docs


# --- the ledger the platform appends to -------------------------------------------------------


def _ledger() -> Ledger:
    ledger = Ledger("FR")
    ledger.adopt_policy(policy({"standard": {2026: 1}, "priority": {2026: 3}}), on=D)
    ledger.append(Event.registration(A, on=D))
    ledger.append(Event.registration(B, on=D))
    ledger.append(Event.triage(B, on=D, category="standard"))
    ledger.append(Event.triage(A, on=D, category="standard"))
    return ledger


def test_a_refused_event_changes_nothing() -> None:
    ledger = _ledger()
    before = (ledger.to_json(), ledger.state.queue("standard"), ledger.state.events)
    with pytest.raises(RuleViolation) as info:
        ledger.append(Event.invitation(B, on=D, category="standard"))
    assert info.value.rule == Rule.INVITED_OUT_OF_ORDER and info.value.entry == B
    assert (ledger.to_json(), ledger.state.queue("standard"), ledger.state.events) == before
    record = ledger.append(Event.invitation(A, on=D, category="standard"))
    assert record.seq == 6 and record.prev_hash == ledger.records[-2].hash
    with pytest.raises(RuleViolation, match="quota-exceeded"):
        ledger.append(Event.invitation(B, on=D, category="standard"))


def test_a_policy_record_is_added_only_when_the_policy_changes() -> None:
    ledger = _ledger()
    same = policy({"standard": {2026: 1}, "priority": {2026: 3}})
    assert ledger.adopt_policy(same, on=D) is None
    record = ledger.adopt_policy(policy({"standard": {2026: 2}, "priority": {2026: 3}}), on=D)
    assert record is not None and record.event.policy.categories["standard"].quota(2026) == 2
    ledger.append(Event.invitation(A, on=D, category="standard"))
    ledger.append(Event.invitation(B, on=D, category="standard"))
    assert verify_ledger(parse_ledger_json(json.dumps(ledger.to_json()))).ok


def test_the_shipped_policy_of_each_state_starts_a_ledger_that_verifies() -> None:
    for country in ("CY", "DE", "FR", "PL"):
        ledger = Ledger(country)
        ledger.adopt_policy(load_humanitarian_policy(country).to_ledger(), on=D)
        ledger.append(Event.registration(A, on=D))
        ledger.append(Event.triage(A, on=D, category="immediate"))
        ledger.append(Event.invitation(A, on=D + timedelta(days=3), category="immediate"))
        document = ledger.to_json()
        assert document["format"] == FORMAT and document["member_state"] == country
        assert verify_ledger(parse_ledger_json(json.dumps(document))).ok


def test_records_sealed_alike_hash_alike_and_the_first_links_to_genesis() -> None:
    event = Event.registration(A, on=D)
    first = Record.seal(event, seq=1, prev_hash=GENESIS_HASH)
    assert first == Record.seal(event, seq=1, prev_hash=GENESIS_HASH)
    assert first.hash != Record.seal(event, seq=2, prev_hash=GENESIS_HASH).hash
    assert re.fullmatch(r"[0-9a-f]{64}", first.hash)
    with pytest.raises(EventError):
        Record.seal(event, seq=0, prev_hash=GENESIS_HASH)
    with pytest.raises(EventError):
        Record.seal(event, seq=1, prev_hash="00")


@pytest.mark.parametrize(
    "make",
    [
        lambda: Event.registration("HV-0000-0000-0000-0001", on=D),
        lambda: Event.registration(A.lower(), on=D),
        lambda: Event.triage(A, on=D, category="Standard"),
        lambda: Event.move(A, on=D, category="standard", reason="because I said so"),
        lambda: Event("registration", D, A),  # type: ignore[arg-type]
        lambda: Event.registration(A, on="2026-03-02"),  # type: ignore[arg-type]
        lambda: Event.registration(A, on=__import__("datetime").datetime(2026, 3, 2)),
        lambda: Event.policy_change(None, on=D),  # type: ignore[arg-type]
    ],
)
def test_malformed_events_are_refused_when_made(make: Any) -> None:
    with pytest.raises(EventError):
        make()


def test_a_member_state_is_two_capital_letters() -> None:
    with pytest.raises(EventError):
        Ledger("fr")


@given(st.integers(1, 30))
def test_a_long_ledger_replays_in_order(n: int) -> None:
    """Registrations on one day wait in the order of their records."""
    ledger = Ledger("FR")
    ledger.adopt_policy(policy({"standard": {2026: 100}}), on=D)
    ids = [entry_id(i) for i in range(1, n + 1)]
    for entry in ids:
        ledger.append(Event.registration(entry, on=D))
    for entry in reversed(ids):
        ledger.append(Event.triage(entry, on=D, category="standard"))
    assert ledger.state.queue("standard") == tuple(ids)
    assert [ledger.state.position(e).position for e in ids] == list(range(1, n + 1))
