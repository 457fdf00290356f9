"""The verifier: recompute a ledger's hash chain and replay its order rules.

:func:`verify_ledger` reads the records in order and, for each, checks

1. its **form**: the keys, types and patterns of docs/humanitarian.md, in canonical form;
2. its **hash**: SHA-256 of its canonical form without ``hash`` equals ``hash``;
3. (with an earlier copy) that it is the **same record** as in the earlier copy;
4. its **link**: ``prev_hash`` is the hash of the record before (64 zeros for the first) and
   ``seq`` is one more than the record before's;
5. the **order rules** (:mod:`.rules`), replaying it on the waiting list built so far;

and stops at the first record that breaks any of them, with a :class:`Problem` that names it
(its position in the file, its ``seq`` and its entry) and says why with a stable code. When a
link is broken it tells the likely edit apart: a record **changed** (the next one links to
another hash), **removed** (a ``seq`` is missing), **inserted** (the next record links past
it) or **moved** (its ``seq`` appears elsewhere).

What a hash chain cannot show on its own: a ledger whose every hash was recomputed after an
edit, or whose last records were cut off, is consistent in itself. Give the verifier an
earlier copy (``previous``) or compare the last hash with one published earlier: the earlier
history must then be an unchanged prefix of the ledger.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from relocard.core.waitlist.errors import LedgerFormatError, RuleViolation
from relocard.core.waitlist.ledger import (
    GENESIS_HASH,
    Record,
    checked_hash,
    read_envelope,
    record_from_json,
)
from relocard.core.waitlist.rules import WaitingList

__all__ = ["Problem", "Verification", "verify_ledger"]

_PRINTABLE_ID = re.compile(r"^[A-Za-z0-9-]{1,40}$")
FORMAT_PROBLEM = "format"
CHAIN_PROBLEM = "chain"
HISTORY_PROBLEM = "history"
RULE_PROBLEM = "rule"


@dataclass(frozen=True, slots=True)
class Problem:
    """The first record that breaks the ledger, and why.

    ``position`` counts the records of the file from 1; ``seq`` and ``entry`` are the record's
    own (``None`` when it has none, or when the record is missing altogether). ``kind`` is
    ``format``, ``chain``, ``history`` (differs from the earlier copy) or ``rule``; ``code`` is
    a stable code: a :class:`~relocard.core.waitlist.rules.Rule` for ``rule`` problems, else
    one of ``malformed``, ``hash-mismatch``, ``changed-record``, ``missing-record``,
    ``inserted-record``, ``moved-record``, ``bad-link``, ``bad-sequence``, ``rewritten``,
    ``truncated``.
    """

    position: int
    seq: int | None
    entry: str | None
    kind: str
    code: str
    message: str

    def where(self) -> str:
        parts = [f"seq {self.seq}" if self.seq is not None else None]
        if self.entry:
            parts.append(f"entry {self.entry}")
        inner = ", ".join(p for p in parts if p)
        return f"record {self.position}" + (f" ({inner})" if inner else "")

    def __str__(self) -> str:
        return f"{self.where()}: {self.code}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "seq": self.seq,
            "entry": self.entry,
            "kind": self.kind,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Verification:
    """The verifier's answer. ``records`` is how many records were found consistent, in order;
    ``head_hash`` the hash of the last of them; ``state`` the waiting list replayed up to the
    record checked last (for positions and estimates; meaningful when ``ok``)."""

    member_state: str
    records: int
    total: int
    head_hash: str
    problem: Problem | None
    state: WaitingList = field(repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.problem is None


def _raw_seq(raw: Any) -> int | None:
    seq = raw.get("seq") if isinstance(raw, dict) else None
    return seq if type(seq) is int else None


def _raw_entry(raw: Any) -> str | None:
    """The entry a raw record names, if it looks like an id (a report must stay one clean
    line whatever a forged record holds)."""
    entry = raw.get("entry") if isinstance(raw, dict) else None
    return entry if isinstance(entry, str) and _PRINTABLE_ID.match(entry) else None


def _previous_hashes(previous: Any, member_state: str) -> list[str]:
    """The record hashes of an earlier copy; :class:`LedgerFormatError` if it is unusable."""
    prev_state, prev_records = read_envelope(previous)
    if prev_state != member_state:
        raise LedgerFormatError(
            f"the earlier copy is the ledger of {prev_state}, this one of {member_state}"
        )
    hashes = []
    for i, raw in enumerate(prev_records, start=1):
        value = raw.get("hash") if isinstance(raw, dict) else None
        if not isinstance(value, str):
            raise LedgerFormatError(f"the earlier copy's record {i} has no hash")
        hashes.append(value)
    return hashes


def verify_ledger(document: Any, *, previous: Any = None) -> Verification:
    """Verify a parsed ledger document (see :func:`~.ledger.parse_ledger_json`).

    ``previous``, a parsed earlier copy of the same ledger, must be an unchanged prefix of it.
    Raises :class:`LedgerFormatError` when ``document`` (or ``previous``) is not a ledger at
    all; every problem inside its records is reported in the result instead.
    """
    member_state, raws = read_envelope(document)
    earlier = None if previous is None else _previous_hashes(previous, member_state)
    state = WaitingList(member_state)
    # Where each seq appears, to tell a moved record from a removed one.
    positions: dict[int, list[int]] = {}
    for i, raw in enumerate(raws, start=1):
        seq = _raw_seq(raw)
        if seq is not None:
            positions.setdefault(seq, []).append(i)
    good: list[Record] = []

    def result(problem: Problem | None) -> Verification:
        # A problem found at one record can name the one before (changed, inserted): that one
        # does not count among the consistent records either.
        kept = good if problem is None else good[: problem.position - 1]
        head = kept[-1].hash if kept else GENESIS_HASH
        return Verification(member_state, len(kept), len(raws), head, problem, state)

    for position, raw in enumerate(raws, start=1):
        seq, entry = _raw_seq(raw), _raw_entry(raw)

        def problem(kind: str, code: str, message: str) -> Verification:
            return result(Problem(position, seq, entry, kind, code, message))  # noqa: B023

        try:
            record = record_from_json(raw)
        except ValueError as exc:
            return problem(FORMAT_PROBLEM, "malformed", str(exc))
        if checked_hash(record) != record.hash:
            return problem(
                CHAIN_PROBLEM,
                "hash-mismatch",
                "the record's content does not match its hash: it was changed after it was written",
            )
        if (
            earlier is not None
            and position <= len(earlier)
            and earlier[position - 1] != record.hash
        ):
            return problem(
                HISTORY_PROBLEM,
                "rewritten",
                "this record differs from the earlier copy's record at the same place: the "
                "history was rewritten",
            )
        found = _link_problem(position, record, good, positions, raws)
        if found is not None:
            return result(found)
        try:
            state.apply(record.event, record.seq)
        except RuleViolation as exc:
            return problem(RULE_PROBLEM, exc.rule, exc.message)
        good.append(record)
    if earlier is not None and len(earlier) > len(raws):
        return result(
            Problem(
                len(raws) + 1,
                len(raws) + 1,
                None,
                HISTORY_PROBLEM,
                "truncated",
                f"the earlier copy has {len(earlier)} records, this ledger only {len(raws)}: "
                "records were removed from its end",
            )
        )
    return result(None)


def _link_problem(
    position: int,
    record: Record,
    good: list[Record],
    positions: Mapping[int, list[int]],
    raws: list[Any],
) -> Problem | None:
    """The chain problem at ``record`` (whose own hash is right), or ``None``."""
    before = good[-1] if good else None
    expected_prev = before.hash if before else GENESIS_HASH
    expected_seq = before.seq + 1 if before else 1
    seq, entry = record.seq, record.event.entry
    if record.prev_hash == expected_prev:
        if seq != expected_seq:
            return Problem(
                position,
                seq,
                entry,
                CHAIN_PROBLEM,
                "bad-sequence",
                f"seq is {seq} but the record links to seq {expected_seq - 1}: it should be "
                f"{expected_seq}",
            )
        return None
    # The link is broken: find out which edit explains it best.
    grand = good[-2].hash if len(good) >= 2 else (GENESIS_HASH if good else None)
    if before is not None and record.prev_hash == grand:
        return Problem(
            position - 1,
            before.seq,
            before.event.entry,
            CHAIN_PROBLEM,
            "inserted-record",
            f"this record was inserted: the record after it (seq {seq}) links to the record "
            "before it",
        )
    if seq > expected_seq:
        elsewhere = [p for p in positions.get(expected_seq, []) if p > position]
        after = raws[position] if position < len(raws) else None
        if elsewhere and _raw_seq(after) == expected_seq:
            # The sequence goes on from before this record: this record was moved up here.
            return Problem(
                position,
                seq,
                entry,
                CHAIN_PROBLEM,
                "moved-record",
                f"this record is out of order: seq {seq} comes right after seq "
                f"{expected_seq - 1}, and seq {expected_seq} follows it",
            )
        if elsewhere:
            # The sequence goes on from this record: the missing one was moved further down.
            moved = raws[elsewhere[0] - 1]
            return Problem(
                elsewhere[0],
                expected_seq,
                _raw_entry(moved),
                CHAIN_PROBLEM,
                "moved-record",
                f"this record is out of order: it should come at position {position}, where "
                f"seq {seq} is",
            )
        missing = (
            f"seq {expected_seq}" if seq == expected_seq + 1 else f"seq {expected_seq} to {seq - 1}"
        )
        return Problem(
            position,
            expected_seq,
            None,
            CHAIN_PROBLEM,
            "missing-record",
            f"the record{'s' if seq > expected_seq + 1 else ''} with {missing} "
            f"{'are' if seq > expected_seq + 1 else 'is'} missing (removed): the next record "
            f"present is seq {seq} (entry {entry or 'none'}), which links to a record not in "
            "the ledger",
        )
    if seq < expected_seq:
        return Problem(
            position,
            seq,
            entry,
            CHAIN_PROBLEM,
            "moved-record",
            f"seq {seq} comes after seq {expected_seq - 1}: the record is out of order or repeated",
        )
    if before is None:
        return Problem(
            position,
            seq,
            entry,
            CHAIN_PROBLEM,
            "bad-link",
            "the first record must link to the genesis hash (64 zeros)",
        )
    # Either the record before was changed (and its hash recomputed), or this record's link
    # was (and its hash recomputed). Only in the second case does the link after this record
    # break too: look at it to tell which.
    after = raws[position] if position < len(raws) else None
    if isinstance(after, dict) and after.get("prev_hash") != record.hash:
        return Problem(
            position,
            seq,
            entry,
            CHAIN_PROBLEM,
            "changed-record",
            "this record's link (prev_hash) was changed and its hash recomputed: it links "
            "to no record, and the record after it links to its old hash",
        )
    return Problem(
        position - 1,
        before.seq,
        before.event.entry,
        CHAIN_PROBLEM,
        "changed-record",
        f"the record after it (seq {seq}) links to another hash: this record was changed and "
        "its hash recomputed"
        + ("" if after is not None else " (or the link of the last record was changed)"),
    )
