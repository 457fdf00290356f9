"""The appointment draw: a seeded lottery that anyone can recompute.

Inputs: a 32-byte ``seed``, the pseudonymous ids of the entries in the draw (random strings,
no personal data) and the ids of the free slots. The algorithm (``hmac-sha256-rank/1``):

1. each entry's rank is ``HMAC-SHA256(key=seed, message=entry_id as UTF-8)`` in lower-case
   hexadecimal (RFC 2104);
2. the entries are ordered by (rank, entry id); the slots by their id (slot ids begin with the
   slot's local start, ``20261210T0900-01``, so this is also the order in time);
3. the i-th entry in that order gets the i-th slot; entries beyond the number of slots get
   none (they stay in the next draw), slots beyond the number of entries stay free.

The seed is drawn at random when registration closes and only its SHA-256
(:func:`commitment`) is published then; the seed is revealed with the result, so anyone can
check that it was fixed before the list of entries was known to whoever runs the draw, and
recompute the result (:func:`verify_record`, ``relocard consular draw-verify FILE``). As HMAC
is a pseudo-random function, every entry has the same chance of each place whatever its
position in the input.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "ALGORITHM",
    "RECORD_FORMAT",
    "Allocation",
    "DrawError",
    "RecordError",
    "Verification",
    "build_record",
    "commitment",
    "draw",
    "entry_rank",
    "new_seed",
    "verify_record",
]

ALGORITHM: Final = "hmac-sha256-rank/1"
RECORD_FORMAT: Final = "relocard-consular-draw/1"
SEED_BYTES: Final = 32
_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_HEX64: Final = re.compile(r"[0-9a-f]{64}")


class DrawError(ValueError):
    """Base of the draw's errors."""


class RecordError(DrawError):
    """A draw record that cannot be read: the message says what is wrong."""


def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def commitment(seed: bytes) -> str:
    """The SHA-256 of the seed, published before the draw (lower-case hex)."""
    return hashlib.sha256(seed).hexdigest()


def entry_rank(seed: bytes, entry_id: str) -> str:
    return hmac.new(seed, entry_id.encode("utf-8"), hashlib.sha256).hexdigest()


def _check_ids(ids: Iterable[str], what: str) -> list[str]:
    ids = list(ids)
    for value in ids:
        if not isinstance(value, str) or not _ID.fullmatch(value):
            raise DrawError(f"{what}: {value!r} is not an id (letters, digits, - and _)")
    if len(set(ids)) != len(ids):
        raise DrawError(f"{what}: an id appears twice")
    return ids


@dataclass(frozen=True, slots=True)
class Allocation:
    """The result: ``assignments`` as (slot id, entry id) in slot order, the entries left
    without a slot in draw order."""

    order: tuple[str, ...]
    assignments: tuple[tuple[str, str], ...]
    unplaced: tuple[str, ...]

    def slot_of(self) -> dict[str, str]:
        """entry id -> slot id."""
        return {entry: slot for slot, entry in self.assignments}


def draw(seed: bytes, entries: Iterable[str], slots: Iterable[str]) -> Allocation:
    """Assign ``slots`` to ``entries`` (see the module). The input order does not matter."""
    if not isinstance(seed, bytes | bytearray) or len(seed) != SEED_BYTES:
        raise DrawError(f"the seed must be {SEED_BYTES} bytes")
    entry_ids = _check_ids(entries, "entries")
    slot_ids = sorted(_check_ids(slots, "slots"))
    order = sorted(entry_ids, key=lambda e: (entry_rank(bytes(seed), e), e))
    placed = tuple(zip(slot_ids, order, strict=False))
    return Allocation(tuple(order), placed, tuple(order[len(placed) :]))


def build_record(
    *,
    seed: bytes,
    entries: Sequence[str],
    slots: Sequence[str],
    context: Mapping[str, Any],
) -> dict[str, Any]:
    """The public record of a performed draw: ``context`` (mission, window, draw number,
    times: no personal data) with the commitment, the seed, the sorted inputs and the
    result."""
    allocation = draw(seed, entries, slots)
    return {
        "format": RECORD_FORMAT,
        "algorithm": ALGORITHM,
        **dict(context),
        "commitment": commitment(seed),
        "seed": seed.hex(),
        "entries": sorted(entries),
        "slots": sorted(slots),
        "assignments": [{"slot": s, "entry": e} for s, e in allocation.assignments],
    }


@dataclass(frozen=True, slots=True)
class Verification:
    """``ok`` when the seed matches its commitment and the result recomputes; otherwise
    ``problems`` says what differs, one sentence each."""

    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _field(record: Mapping[str, Any], name: str, kind: type) -> Any:
    value = record.get(name)
    if not isinstance(value, kind):
        raise RecordError(f"the record has no {name!r} of the right type")
    return value


def verify_record(record: Any) -> Verification:
    """Recompute a published draw record. Raises :class:`RecordError` when it cannot be
    read (not a record of this format, not performed yet, malformed values)."""
    if not isinstance(record, Mapping):
        raise RecordError("the record is not a JSON object")
    if record.get("format") != RECORD_FORMAT:
        raise RecordError(f"the record's format is not {RECORD_FORMAT}")
    if record.get("algorithm") != ALGORITHM:
        raise RecordError(f"unknown algorithm {record.get('algorithm')!r}")
    promised = _field(record, "commitment", str)
    if not _HEX64.fullmatch(promised):
        raise RecordError("the commitment is not 64 lower-case hex digits")
    if record.get("seed") is None:
        raise RecordError("the draw has not been performed yet: the seed is not revealed")
    seed_hex = _field(record, "seed", str)
    if not _HEX64.fullmatch(seed_hex):
        raise RecordError("the seed is not 64 lower-case hex digits")
    entries = _field(record, "entries", list)
    slots = _field(record, "slots", list)
    published = _field(record, "assignments", list)
    pairs = []
    for item in published:
        if not isinstance(item, Mapping) or not all(
            isinstance(item.get(k), str) for k in ("slot", "entry")
        ):
            raise RecordError("each assignment must be an object with a slot and an entry")
        pairs.append((item["slot"], item["entry"]))
    seed = bytes.fromhex(seed_hex)
    try:
        allocation = draw(seed, entries, slots)
    except DrawError as exc:
        raise RecordError(str(exc)) from exc
    problems = []
    if commitment(seed) != promised:
        problems.append("the seed does not match the commitment published before the draw")
    if entries != sorted(entries) or slots != sorted(slots):
        problems.append("the entries or slots are not listed in sorted order")
    if tuple(pairs) != allocation.assignments:
        expected = dict(allocation.assignments)
        for slot, entry in pairs:
            if expected.get(slot) != entry:
                problems.append(
                    f"slot {slot} went to {entry}; recomputed: {expected.get(slot) or 'nobody'}"
                )
                break
        else:
            problems.append(
                f"{len(pairs)} assignments published, {len(allocation.assignments)} recomputed"
            )
    return Verification(tuple(problems))
