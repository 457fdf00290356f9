"""The public ledger: an append-only, hash-chained list of a member state's waiting-list events.

A ledger is a JSON document::

    {"format": "relocard-waitlist-ledger/1", "member_state": "FR", "records": [...]}

and each record is one event::

    {"seq": 2, "date": "2026-03-02", "event": "registration", "entry": "HV-K3M9-QXA7-PD2Y-B8NN",
     "category": null, "reason": null,
     "prev_hash": "<hash of record 1>", "hash": "<SHA-256 of this record without hash>"}

with exactly these keys (a ``policy`` record has one more, ``policy``, and ``entry`` null).
``seq`` counts from 1 without gaps; ``prev_hash`` of record 1 is 64 zeros (:data:`GENESIS_HASH`).

**Hash.** ``hash`` is the lower-case hexadecimal SHA-256 of the record *without* its ``hash``
key, serialised by the JSON Canonicalization Scheme (RFC 8785, JCS) and encoded in UTF-8. A
record holds only ASCII strings from fixed patterns, whole numbers below 2**53, ``null``,
lists and objects: for such values JCS is JSON with object keys sorted, no whitespace, and
the shortest escapes, which is what ``json.dumps(value, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` writes and ``jq -cS`` prints. :func:`canonical_json` refuses anything
outside that domain rather than hash it some other way. (No JCS library is used: on this domain
the standard library gives the same bytes, and the domain check is what keeps them equal.)

The ledger carries no personal data: random entry ids, event kinds, urgency categories,
days (UTC, no time of day), reason codes from the published policy, and the policy itself.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from relocard.core.waitlist.errors import (
    EventError,
    LedgerFormatError,
    LedgerIntegrityError,
    RuleViolation,
)
from relocard.core.waitlist.events import Event, EventType
from relocard.core.waitlist.ids import is_entry_id
from relocard.core.waitlist.policy import LedgerPolicy, is_code, show
from relocard.core.waitlist.rules import WaitingList

__all__ = [
    "FORMAT",
    "GENESIS_HASH",
    "Ledger",
    "Record",
    "canonical_json",
    "checked_hash",
    "parse_ledger_json",
    "read_envelope",
    "record_from_json",
    "record_hash",
]

FORMAT = "relocard-waitlist-ledger/1"
GENESIS_HASH = "0" * 64
RECORD_KEYS = frozenset(
    {"seq", "date", "event", "entry", "category", "reason", "prev_hash", "hash"}
)
POLICY_RECORD_KEYS = RECORD_KEYS | {"policy"}
MAX_SEQ = 2**53 - 1  # the largest whole number JCS (an IEEE double) writes exactly
_HASH = re.compile(r"^[0-9a-f]{64}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_PRINTABLE_ASCII = re.compile(r"^[\x20-\x7e]*$")


# --- canonical form and hash ---------------------------------------------------------------


def _check_domain(value: Any, path: str = "") -> None:
    if value is None or type(value) is bool:
        return
    if type(value) is int:
        if abs(value) > MAX_SEQ:
            raise ValueError(f"{path or 'value'}: {value} is too large to serialise exactly")
        return
    if isinstance(value, str):
        if not _PRINTABLE_ASCII.match(value):
            raise ValueError(f"{path or 'value'}: only printable ASCII text is allowed")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_domain(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not _PRINTABLE_ASCII.match(key):
                raise ValueError(f"{path or 'value'}: key {key!r} is not printable ASCII text")
            _check_domain(item, f"{path}.{key}" if path else key)
        return
    raise ValueError(f"{path or 'value'}: a {type(value).__name__} has no canonical form here")


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 (JCS) serialisation of a ledger value, UTF-8 encoded.

    Raises :class:`ValueError` for values outside the ledger's domain (floats, non-ASCII or
    control characters, numbers beyond 2**53), whose JCS form the standard library would not
    reproduce.
    """
    _check_domain(value)
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def record_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a record's canonical form without its ``hash`` key."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def checked_hash(record: Record) -> str:
    """:func:`record_hash` of a record read by :func:`record_from_json`, whose every value is
    already known to be in the canonical domain (the verifier's hot path: no second check)."""
    text = json.dumps(record.body(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Record:
    """An event at its place in the chain."""

    seq: int
    event: Event
    prev_hash: str
    hash: str

    @staticmethod
    def body_of(seq: int, event: Event, prev_hash: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "seq": seq,
            "date": event.on.isoformat(),
            "event": event.type.value,
            "entry": event.entry,
            "category": event.category,
            "reason": event.reason,
            "prev_hash": prev_hash,
        }
        if event.policy is not None:
            body["policy"] = event.policy.to_json()
        return body

    @classmethod
    def seal(cls, event: Event, *, seq: int, prev_hash: str) -> Record:
        """The record of ``event`` as number ``seq`` after a record whose hash is ``prev_hash``."""
        if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
            raise EventError(f"seq must be a whole number from 1, not {seq!r}")
        if not _HASH.match(prev_hash):
            raise EventError("prev_hash must be 64 lower-case hexadecimal digits")
        return cls(seq, event, prev_hash, record_hash(cls.body_of(seq, event, prev_hash)))

    def body(self) -> dict[str, Any]:
        """The record without its hash: what the hash covers."""
        return self.body_of(self.seq, self.event, self.prev_hash)

    def to_json(self) -> dict[str, Any]:
        """The record as the ledger document writes it."""
        return {**self.body(), "hash": self.hash}


class _JsonObject(dict):  # type: ignore[type-arg]
    """A parsed JSON object that remembers a key it saw twice (the last one would win silently,
    and another verifier might keep the first: a parser differential)."""

    duplicate: str | None = None


def _pairs(pairs: list[tuple[str, Any]]) -> _JsonObject:
    obj = _JsonObject()
    for key, value in pairs:
        if key in obj and obj.duplicate is None:
            obj.duplicate = key
        obj[key] = value
    return obj


def _no_constant(name: str) -> Any:
    raise LedgerFormatError(f"not valid JSON: {name} is not a JSON number")


def parse_ledger_json(data: bytes | str) -> Any:
    """Parse a ledger file's bytes; :class:`LedgerFormatError` if they are not JSON.

    Keys given twice are remembered (and reported by the verifier); ``NaN`` and ``Infinity``,
    which Python's JSON reader would otherwise accept, are refused.
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LedgerFormatError(f"not UTF-8 text (byte {exc.start})") from None
    else:
        text = data
    text = text.removeprefix("\ufeff")
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise LedgerFormatError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise LedgerFormatError("not a ledger: nested too deeply") from None


def read_envelope(document: Any) -> tuple[str, list[Any]]:
    """The member state and the raw records of a parsed ledger document.

    :class:`LedgerFormatError` when the document is not a ledger at all (not an object, an
    unknown format, no member state, records not a list).
    """
    if not isinstance(document, dict):
        raise LedgerFormatError("not a ledger: expected a JSON object with format and records")
    if getattr(document, "duplicate", None):
        raise LedgerFormatError(f"not a ledger: the key {show(document.duplicate)} appears twice")
    if "format" not in document:
        raise LedgerFormatError(f"not a ledger: no format key (expected {FORMAT!r})")
    if document.get("format") != FORMAT:
        raise LedgerFormatError(
            f"not a ledger of this format: format is {show(document.get('format'))}, expected "
            f"{FORMAT!r}"
        )
    unknown = sorted(set(document) - {"format", "member_state", "records"})
    if unknown:
        raise LedgerFormatError(f"not a ledger: unknown key {show(unknown[0])}")
    member_state = document.get("member_state")
    if not isinstance(member_state, str) or not re.fullmatch(r"[A-Z]{2}", member_state):
        raise LedgerFormatError("not a ledger: member_state must be two capital letters, e.g. FR")
    records = document.get("records")
    if not isinstance(records, list):
        raise LedgerFormatError("not a ledger: records must be a list")
    return member_state, records


def _duplicate_key(value: Any, path: str) -> str | None:
    if isinstance(value, dict):
        if getattr(value, "duplicate", None):
            return (
                f"{path}: the key {show(value.duplicate)} appears twice"
                if path
                else (f"the key {show(value.duplicate)} appears twice")
            )
        for key, item in value.items():
            if isinstance(item, dict | list):
                name = key if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", key) else show(key)
                found = _duplicate_key(item, f"{path}.{name}" if path else name)
                if found:
                    return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict | list):
                found = _duplicate_key(item, f"{path}[{i}]")
                if found:
                    return found
    return None


def record_from_json(raw: Any) -> Record:
    """Read one record of a ledger document strictly; :class:`ValueError` says what is wrong.

    The record must be in canonical form: parsing it and writing it again gives the same
    canonical bytes, so that what the hash covers and what the rules replay are the same thing.
    """
    if not isinstance(raw, dict):
        raise ValueError("a record is a JSON object")
    duplicate = _duplicate_key(raw, "")
    if duplicate:
        raise ValueError(duplicate)
    try:
        kind = EventType(raw.get("event"))
    except ValueError:
        known = ", ".join(e.value for e in EventType)
        raise ValueError(f"event {show(raw.get('event'))} is not one of {known}") from None
    keys = POLICY_RECORD_KEYS if kind is EventType.POLICY else RECORD_KEYS
    if raw.keys() != keys:
        missing = sorted(keys - raw.keys())
        if missing:
            raise ValueError(f"the key {missing[0]!r} is missing")
        unknown = sorted(raw.keys() - keys)
        raise ValueError(f"unknown key {show(unknown[0])}")
    seq = raw["seq"]
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        raise ValueError(f"seq must be a whole number from 1, not {show(seq)}")
    for key in ("prev_hash", "hash"):
        if not isinstance(raw[key], str) or not _HASH.match(raw[key]):
            raise ValueError(f"{key} must be 64 lower-case hexadecimal digits")
    text = raw["date"]
    if not isinstance(text, str) or not _DATE.match(text):
        raise ValueError(f"date must be a day, YYYY-MM-DD, not {show(text)}")
    try:
        on = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date {text} does not exist") from None
    entry = raw["entry"]
    if kind is not EventType.POLICY and not is_entry_id(entry):
        raise ValueError(
            f"entry {show(entry)} is not an entry id (HV-XXXX-XXXX-XXXX-XXXX with a "
            "matching check character)"
        )
    for key in ("category", "reason"):
        if raw[key] is not None and not is_code(raw[key]):
            raise ValueError(f"{key} {show(raw[key])} is not a code or null")
    policy = LedgerPolicy.from_json(raw["policy"]) if kind is EventType.POLICY else None
    try:
        event = Event(kind, on, entry, raw["category"], raw["reason"], policy)
    except EventError as exc:
        raise ValueError(str(exc)) from None
    record = Record(seq, event, raw["prev_hash"], raw["hash"])
    # Every value above was checked for its exact type (no float, no bool for a number), so
    # equal values here serialise to equal canonical bytes.
    if record.body() != {k: v for k, v in raw.items() if k != "hash"}:
        raise ValueError(
            "the record is not in canonical form (reason codes must be sorted, years written "
            "as four digits)"
        )
    return record


# --- the ledger in memory --------------------------------------------------------------------


class Ledger:
    """One member state's ledger: its records and the waiting list they produce.

    The platform keeps the records (in its database, append-only) and builds a ``Ledger`` from
    them with :meth:`from_records`; :meth:`append` checks an event against the order rules,
    seals it as the next record and returns it for the platform to store. Nothing changes when
    an event is refused.
    """

    def __init__(self, member_state: str) -> None:
        if not re.fullmatch(r"[A-Z]{2}", member_state):
            raise EventError(f"member state must be two capital letters, not {member_state!r}")
        self.member_state = member_state
        self.state = WaitingList(member_state)
        self._records: list[Record] = []

    @classmethod
    def from_records(
        cls, member_state: str, records: Iterable[Record], *, rehash: bool = True
    ) -> Ledger:
        """Rebuild a ledger from stored records, checking their chain and rules as it goes;
        :class:`LedgerIntegrityError` names the first record that breaks either.

        ``rehash=False`` skips recomputing each record's own hash (links, sequence and rules
        are still checked): for records read back from the platform's own append-only table
        on every write, where a full :func:`~.verify.verify_ledger` runs on a schedule.
        """
        ledger = cls(member_state)
        for record in records:
            where = f"record seq {record.seq}"
            if record.seq != len(ledger._records) + 1:
                raise LedgerIntegrityError(
                    f"{where}: expected seq {len(ledger._records) + 1} (records missing or out "
                    "of order)"
                )
            if record.prev_hash != ledger.head_hash:
                raise LedgerIntegrityError(f"{where}: prev_hash does not match the record before")
            if rehash and record.hash != record_hash(record.body()):
                raise LedgerIntegrityError(f"{where}: its content does not match its hash")
            try:
                ledger.state.apply(record.event, record.seq)
            except RuleViolation as exc:
                raise LedgerIntegrityError(f"{where}: {exc}") from None
            ledger._records.append(record)
        return ledger

    @property
    def records(self) -> tuple[Record, ...]:
        return tuple(self._records)

    def __len__(self) -> int:
        return len(self._records)

    @property
    def head_hash(self) -> str:
        """The hash of the last record (:data:`GENESIS_HASH` for an empty ledger): publish it,
        and anyone holding it can tell later whether the history before it was rewritten."""
        return self._records[-1].hash if self._records else GENESIS_HASH

    def append(self, event: Event) -> Record:
        """Check ``event`` against the rules, seal it as the next record and keep it.

        Raises :class:`RuleViolation` (and changes nothing) when the event breaks a rule.
        """
        seq = len(self._records) + 1
        self.state.apply(event, seq)  # checks first; changes nothing on a violation
        record = Record.seal(event, seq=seq, prev_hash=self.head_hash)
        self._records.append(record)
        return record

    def adopt_policy(self, policy: LedgerPolicy, *, on: date) -> Record | None:
        """Append a policy record when ``policy`` differs from the one in force (or none is).

        Call it before each event with the policy the member state's file gives today: a
        change of quota or reason codes then enters the ledger, dated, before the first event
        it applies to. Returns the new record, or ``None`` when nothing changed.
        """
        current = self.state.policy
        if current is not None and current.to_json() == policy.to_json():
            return None
        return self.append(Event.policy_change(policy, on=on))

    def to_json(self) -> dict[str, Any]:
        """The ledger document (``relocard waitlist verify`` reads it)."""
        return {
            "format": FORMAT,
            "member_state": self.member_state,
            "records": [r.to_json() for r in self._records],
        }
