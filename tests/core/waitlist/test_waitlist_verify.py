"""The verifier: valid ledgers verify; every edit of a record is caught and named; ledgers that
are well chained but break an order rule fail with the rule named."""

from __future__ import annotations

import contextlib
import copy
import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from waitlist_strategies import CATEGORIES, History, entry_id, histories, policy

from relocard.core.waitlist import (
    FORMAT,
    GENESIS_HASH,
    Event,
    EventType,
    Ledger,
    LedgerFormatError,
    LedgerIntegrityError,
    Record,
    Rule,
    Verification,
    parse_ledger_json,
    record_from_json,
    record_hash,
    verify_ledger,
)

FRESH = entry_id(100_000)


def verify(doc: Any, previous: Any = None) -> Verification:
    """Verify as the CLI does: from the JSON text."""
    prev = None if previous is None else parse_ledger_json(json.dumps(previous))
    return verify_ledger(parse_ledger_json(json.dumps(doc)), previous=prev)


def rechain(raws: list[dict[str, Any]], start: int = 0) -> None:
    """Recompute links and hashes from ``start`` on, as a forger would."""
    for i in range(start, len(raws)):
        raws[i]["prev_hash"] = raws[i - 1]["hash"] if i else GENESIS_HASH
        raws[i]["hash"] = record_hash(raws[i])


def seal_all(member_state: str, events: list[Event]) -> dict[str, Any]:
    """A well-chained ledger of ``events``, whatever the rules say of them."""
    records, prev = [], GENESIS_HASH
    for seq, event in enumerate(events, start=1):
        record = Record.seal(event, seq=seq, prev_hash=prev)
        records.append(record.to_json())
        prev = record.hash
    return {"format": FORMAT, "member_state": member_state, "records": records}


# --- valid ledgers -------------------------------------------------------------------------


@given(histories())
def test_valid_histories_verify_and_agree_with_the_model(history: History) -> None:
    ledger = history.ledger()
    result = verify(ledger.to_json())
    assert result.ok, result.problem
    assert result.records == result.total == len(history.events)
    assert result.head_hash == ledger.head_hash
    model = history.model
    for category in model.policy.categories:
        assert result.state.queue(category) == tuple(model.queue(category))
        for i, entry in enumerate(model.queue(category), start=1):
            position = result.state.position(entry)
            assert position is not None and position.position == i
    for entry, status in model.status.items():
        assert result.state.entry(entry).status.value == status


@given(histories())
def test_stored_records_rebuild_the_same_ledger(history: History) -> None:
    ledger = history.ledger()
    again = Ledger.from_records("FR", ledger.records)
    assert again.head_hash == ledger.head_hash and again.to_json() == ledger.to_json()
    assert [record_from_json(r) for r in ledger.to_json()["records"]] == list(ledger.records)


def test_an_empty_ledger_is_consistent() -> None:
    result = verify({"format": FORMAT, "member_state": "FR", "records": []})
    assert result.ok and result.records == 0 and result.head_hash == GENESIS_HASH


# --- edits of a record: each is caught and named ---------------------------------------------


def _change(raw: dict[str, Any], field: str) -> None:
    """Change one field of a raw record to another plausible value."""
    if field == "date":
        raw["date"] = (date.fromisoformat(raw["date"]) + timedelta(days=1)).isoformat()
    elif field == "entry":
        raw["entry"] = FRESH if raw["entry"] != FRESH else entry_id(100_001)
    elif field == "category":
        raw["category"] = "priority" if raw["category"] != "priority" else "standard"
    elif field == "reason":
        raw["reason"] = "court-order" if raw["reason"] is None else None
    elif field == "event":
        raw["event"] = "withdrawal" if raw["event"] != "withdrawal" else "removal"
    elif field == "seq":
        raw["seq"] += 1
    elif field == "prev_hash":
        raw["prev_hash"] = ("1" if raw["prev_hash"][0] != "1" else "2") + raw["prev_hash"][1:]
    elif field == "policy":
        raw.setdefault("policy", {"categories": {}})["categories"]["extra"] = {
            "review_days": 1,
            "quotas": {"2026": 1000},
        }


FIELDS = ["date", "entry", "category", "reason", "event", "seq", "prev_hash", "policy"]


@given(histories(min_steps=2), st.data())
def test_changing_any_record_fails_at_that_record(history: History, data: st.DataObject) -> None:
    doc = history.ledger().to_json()
    k = data.draw(st.integers(0, len(doc["records"]) - 1), label="record")
    _change(doc["records"][k], data.draw(st.sampled_from(FIELDS), label="field"))
    result = verify(doc)
    assert not result.ok
    assert result.problem.position == k + 1, result.problem
    assert result.records == k


@given(histories(min_steps=2), st.data())
def test_changing_a_record_and_its_hash_fails_at_that_record(
    history: History, data: st.DataObject
) -> None:
    doc = history.ledger().to_json()
    raws = doc["records"]
    k = data.draw(st.integers(0, len(raws) - 2), label="record")  # not the last: see below
    _change(raws[k], data.draw(st.sampled_from(FIELDS), label="field"))
    raws[k]["hash"] = record_hash(raws[k])
    result = verify(doc)
    assert not result.ok
    assert result.problem.position == k + 1, result.problem


@given(histories(min_steps=2), st.data())
def test_rewriting_history_is_caught_against_an_earlier_copy(
    history: History, data: st.DataObject
) -> None:
    """A forger who recomputes every hash after an edit leaves a consistent chain: only an
    earlier copy (or a published hash) shows the edit; the verifier names the first changed
    record."""
    original = history.ledger().to_json()
    doc = copy.deepcopy(original)
    raws = doc["records"]
    k = data.draw(st.integers(0, len(raws) - 1), label="record")
    _change(raws[k], data.draw(st.sampled_from(["date", "entry", "reason", "category"])))
    rechain(raws, k)
    result = verify(doc, previous=original)
    assert not result.ok and result.problem.position == k + 1
    assert result.problem.code in ("rewritten", "malformed"), result.problem


@given(histories(min_steps=1), st.data())
def test_cutting_records_off_the_end_is_caught_against_an_earlier_copy(
    history: History, data: st.DataObject
) -> None:
    original = history.ledger().to_json()
    doc = copy.deepcopy(original)
    keep = data.draw(st.integers(0, len(doc["records"]) - 1))
    del doc["records"][keep:]
    assert verify(doc).ok  # a shorter ledger is consistent in itself
    result = verify(doc, previous=original)
    assert result.problem.code == "truncated" and result.problem.position == keep + 1
    # A longer ledger is fine against an earlier, shorter copy.
    assert verify(original, previous=doc).ok


@given(histories(min_steps=2), st.data())
def test_removing_any_record_fails_naming_it(history: History, data: st.DataObject) -> None:
    doc = history.ledger().to_json()
    raws = doc["records"]
    k = data.draw(st.integers(0, len(raws) - 2), label="record")
    removed = raws.pop(k)
    result = verify(doc)
    assert not result.ok
    assert result.problem.code == "missing-record", result.problem
    assert result.problem.seq == removed["seq"] and result.problem.position == k + 1


@given(histories(min_steps=2), st.data())
def test_inserting_a_record_fails_naming_it(history: History, data: st.DataObject) -> None:
    doc = history.ledger().to_json()
    raws = doc["records"]
    k = data.draw(st.integers(0, len(raws) - 1), label="place")
    before = raws[k - 1] if k else None
    on = date.fromisoformat((before or raws[0])["date"])
    forged = Record.seal(
        Event.registration(FRESH, on=on),
        seq=k + 1,
        prev_hash=before["hash"] if before else GENESIS_HASH,
    ).to_json()
    raws.insert(k, forged)
    result = verify(doc)
    assert not result.ok
    assert result.problem.position == k + 1 and result.problem.entry == FRESH, result.problem
    assert result.problem.code in ("inserted-record", Rule.NO_POLICY)


@given(histories(min_steps=2), st.data())
def test_swapping_two_records_fails_naming_one_of_them(
    history: History, data: st.DataObject
) -> None:
    doc = history.ledger().to_json()
    raws = doc["records"]
    k = data.draw(st.integers(0, len(raws) - 2), label="record")
    a, b = raws[k], raws[k + 1]
    raws[k], raws[k + 1] = b, a
    result = verify(doc)
    assert not result.ok
    assert result.problem.code == "moved-record", result.problem
    assert (result.problem.seq, result.problem.entry) in (
        (a["seq"], a["entry"]),
        (b["seq"], b["entry"]),
    )


@given(histories(min_steps=3), st.data())
def test_moving_a_record_later_fails_naming_it(history: History, data: st.DataObject) -> None:
    doc = history.ledger().to_json()
    raws = doc["records"]
    k = data.draw(st.integers(0, len(raws) - 2), label="record")
    to = data.draw(st.integers(k + 1, len(raws) - 1), label="to")
    moved = raws.pop(k)
    raws.insert(to, moved)
    result = verify(doc)
    assert not result.ok and result.problem.code == "moved-record"
    if to > k + 1:  # moved by one place, it is a swap: either of the two may be named
        assert result.problem.seq == moved["seq"] and result.problem.position == to + 1


@given(histories(min_steps=3), st.data())
def test_moving_a_record_earlier_fails_naming_it(history: History, data: st.DataObject) -> None:
    doc = history.ledger().to_json()
    raws = doc["records"]
    k = data.draw(st.integers(2, len(raws) - 1), label="record")
    to = data.draw(st.integers(0, k - 2), label="to")
    moved = raws.pop(k)
    raws.insert(to, moved)
    result = verify(doc)
    assert not result.ok and result.problem.code == "moved-record", result.problem
    assert result.problem.seq == moved["seq"] and result.problem.position == to + 1


def test_a_changed_link_is_told_apart_from_a_changed_predecessor() -> None:
    events = _basic_events()
    doc = seal_all("FR", events)
    # The link of record 3 is changed and its hash recomputed: record 3 is named, not 2.
    forged = copy.deepcopy(doc)
    forged["records"][2]["prev_hash"] = "ab" * 32
    forged["records"][2]["hash"] = record_hash(forged["records"][2])
    problem = verify(forged).problem
    assert (problem.position, problem.code) == (3, "changed-record")
    # Record 2 is changed and its hash recomputed: record 2 is named.
    forged = copy.deepcopy(doc)
    forged["records"][1]["entry"] = FRESH
    forged["records"][1]["hash"] = record_hash(forged["records"][1])
    problem = verify(forged).problem
    assert (problem.position, problem.code) == (2, "changed-record")
    assert problem.entry == FRESH


def test_a_first_record_that_does_not_start_the_chain_is_named() -> None:
    doc = seal_all("FR", _basic_events())
    doc["records"][0]["prev_hash"] = "ab" * 32
    doc["records"][0]["hash"] = record_hash(doc["records"][0])
    rechain(doc["records"], 1)
    problem = verify(doc).problem
    assert (problem.position, problem.code) == (1, "bad-link")


def test_a_record_linked_right_but_numbered_wrong_is_named() -> None:
    doc = seal_all("FR", _basic_events())
    doc["records"][2]["seq"] = 7
    rechain(doc["records"], 2)
    problem = verify(doc).problem
    assert (problem.position, problem.seq, problem.code) == (3, 7, "bad-sequence")


# --- well chained, but breaking an order rule ------------------------------------------------


A, B, C = entry_id(1), entry_id(2), entry_id(3)
D = date(2026, 3, 2)


def _basic_events(quota: int = 5) -> list[Event]:
    pol = policy({"standard": {2026: quota}, "priority": {2026: quota}})
    return [
        Event.policy_change(pol, on=D),
        Event.registration(A, on=D),
        Event.registration(B, on=D),
        Event.registration(C, on=D + timedelta(days=1)),
        Event.triage(C, on=D + timedelta(days=2), category="standard"),
        Event.triage(B, on=D + timedelta(days=2), category="standard"),
        Event.triage(A, on=D + timedelta(days=3), category="standard"),
    ]


def _fails(events: list[Event], rule: Rule, position: int | None = None) -> str:
    result = verify(seal_all("FR", events))
    assert not result.ok and result.problem.kind == "rule", result.problem
    assert result.problem.code == rule.value, result.problem
    assert result.problem.position == (position or len(events))
    assert result.problem.entry == events[result.problem.position - 1].entry
    return result.problem.message


def test_the_basic_ledger_verifies_and_orders_by_registration() -> None:
    result = verify(seal_all("FR", _basic_events()))
    assert result.ok
    assert result.state.queue("standard") == (A, B, C)  # triaged C, B, A; registered A, B, C


def test_an_invitation_ahead_of_the_first_without_a_reason_fails() -> None:
    events = _basic_events()
    message = _fails(
        [*events, Event.invitation(B, on=D + timedelta(days=9), category="standard")],
        Rule.INVITED_OUT_OF_ORDER,
    )
    assert A in message and "1 entry was ahead" in message


def test_an_invitation_out_of_turn_with_a_listed_reason_verifies() -> None:
    events = [
        *_basic_events(),
        Event.invitation(C, on=D + timedelta(days=9), category="standard", reason="court-order"),
        Event.invitation(A, on=D + timedelta(days=9), category="standard"),
    ]
    result = verify(seal_all("FR", events))
    assert result.ok and result.state.queue("standard") == (B,)


def test_an_invitation_out_of_turn_with_an_unlisted_reason_fails() -> None:
    events = [
        *_basic_events(),
        Event.invitation(C, on=D + timedelta(days=9), category="standard", reason="friend"),
    ]
    assert "friend" in _fails(events, Rule.UNKNOWN_REASON)


def test_an_invitation_in_turn_takes_no_reason() -> None:
    events = [
        *_basic_events(),
        Event.invitation(A, on=D + timedelta(days=9), category="standard", reason="court-order"),
    ]
    _fails(events, Rule.UNEXPECTED_REASON)


def test_the_quota_of_a_year_is_not_exceeded() -> None:
    events = [
        *_basic_events(quota=2),
        Event.invitation(A, on=D + timedelta(days=9), category="standard"),
        Event.invitation(B, on=D + timedelta(days=9), category="standard"),
        Event.invitation(C, on=D + timedelta(days=9), category="standard"),
    ]
    assert "all 2 places" in _fails(events, Rule.QUOTA_EXCEEDED)


def test_a_place_given_back_by_a_withdrawal_after_invitation_can_be_used_again() -> None:
    events = [
        *_basic_events(quota=2),
        Event.invitation(A, on=D + timedelta(days=9), category="standard"),
        Event.invitation(B, on=D + timedelta(days=9), category="standard"),
        Event.withdrawal(B, on=D + timedelta(days=10), category="standard"),
        Event.invitation(C, on=D + timedelta(days=11), category="standard"),
    ]
    assert verify(seal_all("FR", events)).ok
    # A decision keeps the place: the fourth invitation of the year would be one too many.
    events[-2] = Event.decision(B, on=D + timedelta(days=10), category="standard")
    _fails(events, Rule.QUOTA_EXCEEDED)


def test_a_year_without_a_quota_has_no_places() -> None:
    events = [*_basic_events(), Event.invitation(A, on=date(2027, 1, 4), category="standard")]
    assert "no quota for 2027" in _fails(events, Rule.QUOTA_EXCEEDED)


def test_withdrawn_and_removed_entries_leave_the_order() -> None:
    events = [
        *_basic_events(),
        Event.withdrawal(A, on=D + timedelta(days=9), category="standard"),
        Event.removal(B, on=D + timedelta(days=9), category="standard", reason="duplicate"),
        Event.invitation(C, on=D + timedelta(days=9), category="standard"),
    ]
    assert verify(seal_all("FR", events)).ok
    _fails([*events, Event.invitation(A, on=D + timedelta(days=9), category="standard")],
           Rule.ENTRY_CLOSED)  # fmt: skip


@pytest.mark.parametrize(
    ("event", "rule"),
    [
        (Event.move(A, on=D + timedelta(days=9), category="priority", reason=None), Rule.REASON_REQUIRED),  # type: ignore[arg-type]
        (Event.move(A, on=D + timedelta(days=9), category="standard", reason="risk-increased"), Rule.MOVE_TO_SAME_CATEGORY),
        (Event.move(A, on=D + timedelta(days=9), category="elsewhere", reason="risk-increased"), Rule.UNKNOWN_CATEGORY),
        (Event.removal(A, on=D + timedelta(days=9), category="standard", reason=None), Rule.REASON_REQUIRED),  # type: ignore[arg-type]
        (Event.removal(A, on=D + timedelta(days=9), category="standard", reason="risk-increased"), Rule.UNKNOWN_REASON),
        (Event.withdrawal(A, on=D + timedelta(days=9), category="standard"), None),
        (Event(EventType.WITHDRAWAL, D + timedelta(days=9), A, "standard", "duplicate"), Rule.UNEXPECTED_REASON),
        (Event.review(A, on=D + timedelta(days=9), category="priority"), Rule.CATEGORY_MISMATCH),
        (Event.triage(A, on=D + timedelta(days=9), category="priority"), Rule.ALREADY_TRIAGED),
        (Event.decision(A, on=D + timedelta(days=9), category="standard"), Rule.NOT_INVITED),
        (Event.registration(A, on=D + timedelta(days=9)), Rule.DUPLICATE_REGISTRATION),
        (Event.invitation(FRESH, on=D + timedelta(days=9), category="standard"), Rule.UNKNOWN_ENTRY),
        (Event.invitation(A, on=D - timedelta(days=1), category="standard"), Rule.DATE_BEFORE_PREVIOUS),
        (Event.invitation(A, on=D + timedelta(days=9), category="priority"), Rule.CATEGORY_MISMATCH),
        (Event(EventType.TRIAGE, D + timedelta(days=9), FRESH, "standard"), Rule.UNKNOWN_ENTRY),
        (Event(EventType.REGISTRATION, D + timedelta(days=9), FRESH, "standard"), Rule.CATEGORY_MISMATCH),
        (Event.policy_change(policy({"priority": {2026: 1}}), on=D + timedelta(days=9)), Rule.CATEGORY_DROPPED),
        (Event.policy_change(policy({"standard": {2026: 1}}, member_state="DE"), on=D + timedelta(days=9)), Rule.WRONG_MEMBER_STATE),
    ],
)  # fmt: skip
def test_each_rule_is_named(event: Event, rule: Rule | None) -> None:
    events = [*_basic_events(), event]
    if rule is None:
        assert verify(seal_all("FR", events)).ok
    else:
        _fails(events, rule)


def test_an_untriaged_entry_is_neither_invited_nor_moved_and_no_entry_is_invited_twice() -> None:
    events = _basic_events()[:4]
    _fails([*events, Event.invitation(C, on=D + timedelta(days=1), category="standard")],
           Rule.NOT_TRIAGED)  # fmt: skip
    _fails([*events, Event(EventType.INVITATION, D + timedelta(days=1), C, None)],
           Rule.NOT_TRIAGED)  # fmt: skip
    _fails([*events, Event.move(C, on=D + timedelta(days=1), category="standard",
                                reason="risk-increased")], Rule.NOT_TRIAGED)  # fmt: skip
    invited = [*_basic_events(), Event.invitation(A, on=D + timedelta(days=9), category="standard")]
    _fails([*invited, Event.invitation(A, on=D + timedelta(days=9), category="standard")],
           Rule.INVITED_TWICE)  # fmt: skip
    _fails([*invited, Event.review(A, on=D + timedelta(days=9), category="standard")],
           Rule.NOT_WAITING)  # fmt: skip


def test_a_ledger_starts_with_a_policy() -> None:
    _fails([Event.registration(A, on=D)], Rule.NO_POLICY, position=1)


@given(histories(), st.sampled_from(CATEGORIES[:2]))
def test_an_invitation_ahead_of_others_without_a_reason_fails_after_any_history(
    history: History, category: str
) -> None:
    """Whatever came before, two new entries and an invitation of the second fails, naming it."""
    events = list(history.events)
    last = events[-1].on
    quotas = {c: {last.year: 50} for c in history.model.policy.categories}
    first, second = entry_id(100_000), entry_id(100_001)
    events += [
        Event.policy_change(policy(quotas), on=last),
        Event.registration(first, on=last),
        Event.registration(second, on=last),
        Event.triage(second, on=last, category=category),
        Event.triage(first, on=last, category=category),
        Event.invitation(second, on=last, category=category),
    ]
    _fails(events, Rule.INVITED_OUT_OF_ORDER)


@given(histories(), st.sampled_from(CATEGORIES[:2]))
def test_an_invitation_beyond_the_quota_fails_after_any_history(
    history: History, category: str
) -> None:
    events = list(history.events)
    last = events[-1].on
    quotas = {c: {last.year: 0} for c in history.model.policy.categories}
    new = entry_id(100_000)
    waiting = history.model.queue(category)
    first = waiting[0] if waiting else new
    events += [
        Event.policy_change(policy(quotas), on=last),
        Event.registration(new, on=last),
        Event.triage(new, on=last, category=category),
        Event.invitation(first, on=last, category=category),
    ]
    _fails(events, Rule.QUOTA_EXCEEDED)


# --- unreadable and malformed input ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ('{"format": "relocard-waitlist-ledger/1", "member_state": "FR", "records": [NaN]}', "NaN"),
        ("[]", "expected a JSON object"),
        ('{"format": "x", "member_state": "FR", "records": []}', "not a ledger of this format"),
        ('{"format": "relocard-waitlist-ledger/1", "member_state": "fr", "records": []}', "two capital letters"),
        ('{"format": "relocard-waitlist-ledger/1", "member_state": "FR", "records": {}}', "records must be a list"),
        ('{"format": "relocard-waitlist-ledger/1", "member_state": "FR", "records": [], "x": 1}', "unknown key 'x'"),
        ('{"format": "relocard-waitlist-ledger/1", "format": "relocard-waitlist-ledger/1", "member_state": "FR", "records": []}', "appears twice"),
    ],
)  # fmt: skip
def test_a_document_that_is_no_ledger_is_a_format_error(text: str, message: str) -> None:
    with pytest.raises(LedgerFormatError, match=message):
        verify_ledger(parse_ledger_json(text))


def test_bytes_that_are_not_utf8_are_a_format_error() -> None:
    with pytest.raises(LedgerFormatError, match="not UTF-8"):
        parse_ledger_json(b'{"a": "\xff"}')


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r.update(seq=True), "seq must be a whole number"),
        (lambda r: r.update(seq=2.0), "seq must be a whole number"),
        (lambda r: r.update(date="2026-02-30"), "does not exist"),
        (lambda r: r.update(date="2026-03-02T10:00:00Z"), "date must be a day"),
        (lambda r: r.update(entry="HV-0000-0000-0000-0001"), "not an entry id"),
        (lambda r: r.update(category="Standard"), "not a code"),
        (lambda r: r.update(event="invite"), "is not one of"),
        (lambda r: r.update(event=["registration"]), "is not one of"),
        (lambda r: r.update(extra=1), "unknown key 'extra'"),
        (lambda r: r.update({"x\n" * 50: 1}), "unknown key 'x\\nx\\n"),
        (lambda r: r.update(event="x\u202e" * 50), "event 'x\\u202ex"),
        (lambda r: r.pop("reason"), "'reason' is missing"),
        (lambda r: r.update(hash="XYZ"), "64 lower-case hexadecimal"),
        (lambda r: r.update(policy={}), "unknown key 'policy'"),
        (lambda r: r.update(reason="risk-increased"), None),  # well formed: a rule problem
    ],
)
def test_a_malformed_record_is_named(edit: Any, message: str | None) -> None:
    doc = seal_all("FR", _basic_events())
    raw = doc["records"][1]
    edit(raw)
    if message != "64 lower-case hexadecimal":
        with contextlib.suppress(ValueError):  # a float has no canonical form: hash stays
            raw["hash"] = record_hash(raw)
    problem = verify(doc).problem
    assert problem.position == 2
    assert "\n" not in str(problem) and len(str(problem)) < 300  # one clean line, always
    if message is None:
        assert problem.kind == "rule"
    else:
        assert problem.code == "malformed" and message in problem.message


def test_a_record_with_a_key_given_twice_is_named() -> None:
    doc = seal_all("FR", _basic_events())
    text = json.dumps(doc).replace('"reason": null', '"reason": null, "reason": null', 2)
    problem = verify_ledger(parse_ledger_json(text)).problem
    assert problem.position == 1 and "'reason' appears twice" in problem.message


def test_a_policy_not_in_canonical_form_is_named() -> None:
    doc = seal_all("FR", _basic_events())
    doc["records"][0]["policy"]["reasons"]["move"].reverse()
    doc["records"][0]["hash"] = record_hash(doc["records"][0])
    rechain(doc["records"], 1)
    problem = verify(doc).problem
    assert problem.position == 1 and "canonical form" in problem.message


def test_an_earlier_copy_of_another_member_state_is_refused() -> None:
    doc = seal_all("FR", _basic_events())
    other = {**doc, "member_state": "DE"}
    with pytest.raises(LedgerFormatError, match="ledger of DE"):
        verify(doc, previous=other)


def test_from_records_refuses_records_that_break_the_chain_or_a_rule() -> None:
    ledger = Ledger("FR")
    for event in _basic_events():
        ledger.append(event)
    records = list(ledger.records)
    with pytest.raises(LedgerIntegrityError, match="expected seq 2"):
        Ledger.from_records("FR", [records[0], records[2]])
    forged = Record(2, records[1].event, "ab" * 32, records[1].hash)
    with pytest.raises(LedgerIntegrityError, match="prev_hash"):
        Ledger.from_records("FR", [records[0], forged])
    forged = Record(2, Event.registration(FRESH, on=D), records[0].hash, records[1].hash)
    with pytest.raises(LedgerIntegrityError, match="does not match its hash"):
        Ledger.from_records("FR", [records[0], forged])
    # Without rehashing (the platform's own table), the links and rules are still checked.
    assert len(Ledger.from_records("FR", [records[0], forged], rehash=False)) == 2
    rogue = Record(
        2, Event.invitation(FRESH, on=D, category="standard"), records[0].hash, "ab" * 32
    )
    with pytest.raises(LedgerIntegrityError, match="unknown-entry"):
        Ledger.from_records("FR", [records[0], rogue], rehash=False)
    with pytest.raises(LedgerIntegrityError, match="prev_hash"):
        Ledger.from_records(
            "FR",
            [records[0], Record(2, records[1].event, "ab" * 32, records[1].hash)],
            rehash=False,
        )
    with pytest.raises(LedgerIntegrityError, match="wrong-member-state"):
        Ledger.from_records("DE", records)
