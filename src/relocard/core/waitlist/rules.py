"""The order rules, and the waiting list they produce when events are replayed in order.

:class:`WaitingList` is the state of one member state's list after a run of events. Its
:meth:`~WaitingList.check` says whether one more event is allowed (raising
:class:`~relocard.core.waitlist.errors.RuleViolation` with a :class:`Rule` if not) and
:meth:`~WaitingList.apply` makes the change. The platform calls ``check`` before it writes an
event, and the public verifier replays a whole ledger through the same code, so that the rules
the officers work under and the rules anyone can check are one and the same.

The rules:

* **Order.** Within a category, entries wait in the order they registered (the sequence number
  of their registration record, which follows the registration day). Triage, and a move to
  another category, place an entry by its registration, not by the day of the triage or move.
* **Invitations in turn.** An invitation goes to the first waiting entry of its category,
  unless it records one of the policy's ``invitation`` reason codes (out of turn).
* **Reasons.** A move between categories records one of the policy's ``move`` codes, a removal
  one of its ``removal`` codes, an invitation out of turn one of its ``invitation`` codes. No
  other event records a reason.
* **Once.** No entry is invited twice, registered twice, or changed after it was withdrawn,
  removed or decided. Withdrawn and removed entries leave the order at once.
* **Quotas.** The places a category has in a calendar year (invitations in that year that were
  not withdrawn or removed before a decision) never exceed its quota; a year without a quota
  has none.
* **Time and policy.** Days never go backwards; the first event is a policy record; a new
  policy may not drop a category that still holds waiting or invited entries.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import NoReturn

from relocard.core.waitlist.errors import RuleViolation
from relocard.core.waitlist.events import Event, EventType
from relocard.core.waitlist.policy import LedgerPolicy

__all__ = ["RULE_DESCRIPTIONS", "EntryState", "EntryStatus", "Position", "Rule", "WaitingList"]


class Rule(StrEnum):
    """A rule an event can break; the value is the stable code the verifier reports."""

    DATE_BEFORE_PREVIOUS = "date-before-previous"
    NO_POLICY = "no-policy"
    WRONG_MEMBER_STATE = "wrong-member-state"
    CATEGORY_DROPPED = "category-dropped"
    DUPLICATE_REGISTRATION = "duplicate-registration"
    UNKNOWN_ENTRY = "unknown-entry"
    ENTRY_CLOSED = "entry-closed"
    NOT_TRIAGED = "not-triaged"
    ALREADY_TRIAGED = "already-triaged"
    NOT_WAITING = "not-waiting"
    UNKNOWN_CATEGORY = "unknown-category"
    CATEGORY_MISMATCH = "category-mismatch"
    MOVE_TO_SAME_CATEGORY = "move-to-same-category"
    REASON_REQUIRED = "reason-required"
    UNKNOWN_REASON = "unknown-reason"
    UNEXPECTED_REASON = "unexpected-reason"
    INVITED_OUT_OF_ORDER = "invited-out-of-order"
    INVITED_TWICE = "invited-twice"
    QUOTA_EXCEEDED = "quota-exceeded"
    NOT_INVITED = "not-invited"


#: One line per rule, for the docs and for people reading a verifier's report.
RULE_DESCRIPTIONS: Mapping[Rule, str] = MappingProxyType(
    {
        Rule.DATE_BEFORE_PREVIOUS: "an event is dated before the event recorded before it",
        Rule.NO_POLICY: "an event comes before any policy record",
        Rule.WRONG_MEMBER_STATE: "a policy record is for another member state than the ledger",
        Rule.CATEGORY_DROPPED: "a new policy drops a category that still holds open entries",
        Rule.DUPLICATE_REGISTRATION: "an entry id is registered twice",
        Rule.UNKNOWN_ENTRY: "an event names an entry that was never registered",
        Rule.ENTRY_CLOSED: "an event names an entry already withdrawn, removed or decided",
        Rule.NOT_TRIAGED: "an entry not yet triaged is reviewed, moved or invited",
        Rule.ALREADY_TRIAGED: "an entry is triaged twice (a change of category is a move)",
        Rule.NOT_WAITING: "an invited entry is reviewed or moved",
        Rule.UNKNOWN_CATEGORY: "a category the policy in force does not have",
        Rule.CATEGORY_MISMATCH: "the event's category is not the entry's category",
        Rule.MOVE_TO_SAME_CATEGORY: "a move to the category the entry is already in",
        Rule.REASON_REQUIRED: "a move, a removal or an out-of-turn invitation without a reason",
        Rule.UNKNOWN_REASON: "a reason code the policy in force does not list for the event",
        Rule.UNEXPECTED_REASON: "a reason code on an event that takes none",
        Rule.INVITED_OUT_OF_ORDER: "an invitation passes over the first waiting entry without "
        "a reason code",
        Rule.INVITED_TWICE: "an entry is invited a second time",
        Rule.QUOTA_EXCEEDED: "an invitation beyond the category's quota for the year",
        Rule.NOT_INVITED: "a decision on an entry that was not invited",
    }
)


class EntryStatus(StrEnum):
    REGISTERED = "registered"  # awaiting triage: no category, no place in an order yet
    WAITING = "waiting"
    INVITED = "invited"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"
    REMOVED = "removed"

    @property
    def open(self) -> bool:
        return self in (EntryStatus.REGISTERED, EntryStatus.WAITING, EntryStatus.INVITED)


@dataclass(frozen=True, slots=True)
class EntryState:
    """Where one entry stands after the events replayed so far."""

    entry: str
    status: EntryStatus
    category: str | None
    registered_seq: int
    registered_on: date
    reviewed_on: date | None = None  # last triage, review or move
    invited_on: date | None = None
    closed_on: date | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """An entry's place in its category: ``position`` 1 is invited next (when in turn)."""

    entry: str
    category: str
    position: int
    waiting: int  # entries waiting in the category, this one included


class WaitingList:
    """One member state's waiting list, built by replaying events in order.

    Not a frozen value: :meth:`apply` changes it in place (replaying a ledger of a hundred
    thousand events must stay linear). Everything it hands out is a frozen value.
    """

    def __init__(self, member_state: str) -> None:
        self.member_state = member_state
        self.policy: LedgerPolicy | None = None
        self.last_on: date | None = None
        self.events = 0
        self._entries: dict[str, EntryState] = {}
        self._queues: dict[str, list[tuple[int, str]]] = {}
        self._places: dict[tuple[str, int], set[str]] = {}
        self._invitations: dict[str, list[date]] = {}
        self._opened: dict[str, date] = {}

    # --- reading ---------------------------------------------------------------------------

    def entry(self, entry_id: str) -> EntryState | None:
        return self._entries.get(entry_id)

    def entries(self) -> Iterator[EntryState]:
        return iter(self._entries.values())

    def queue(self, category: str) -> tuple[str, ...]:
        """The entries waiting in ``category``, first in line first."""
        return tuple(entry for _, entry in self._queues.get(category, ()))

    def position(self, entry_id: str) -> Position | None:
        """The entry's place in its category; ``None`` unless it is waiting (not yet triaged,
        invited or closed)."""
        state = self._entries.get(entry_id)
        if state is None or state.status is not EntryStatus.WAITING or state.category is None:
            return None
        queue = self._queues[state.category]
        index = bisect.bisect_left(queue, (state.registered_seq, entry_id))
        return Position(entry_id, state.category, index + 1, len(queue))

    def places_used(self, category: str, year: int) -> int:
        """Places of ``category`` taken in ``year``: invitations not withdrawn or removed."""
        return len(self._places.get((category, year), ()))

    def invitation_days(self, category: str) -> tuple[date, ...]:
        """The day of every invitation ever issued in ``category``, in order."""
        return tuple(self._invitations.get(category, ()))

    def opened_on(self, category: str) -> date | None:
        """The day of the first policy record that had ``category``."""
        return self._opened.get(category)

    # --- the rules -------------------------------------------------------------------------

    def check(self, event: Event) -> None:
        """Raise :class:`RuleViolation` if ``event`` may not come next; change nothing."""
        if self.last_on is not None and event.on < self.last_on:
            self._break(
                Rule.DATE_BEFORE_PREVIOUS,
                event,
                f"dated {event.on.isoformat()}, before the previous event "
                f"({self.last_on.isoformat()})",
            )
        if event.type is EventType.POLICY:
            self._check_policy(event)
            return
        policy = self.policy
        if policy is None:
            self._break(Rule.NO_POLICY, event, "the ledger must start with a policy record")
        state = self._entries.get(event.entry or "")
        if event.type is EventType.REGISTRATION:
            if state is not None:
                self._break(
                    Rule.DUPLICATE_REGISTRATION,
                    event,
                    f"already registered (at seq {state.registered_seq})",
                )
            self._no_category(event, "a registration has no category yet: triage gives one")
            self._no_reason(event)
            return
        if state is None:
            self._break(Rule.UNKNOWN_ENTRY, event, "this entry was never registered")
        if not state.status.open:
            self._break(
                Rule.ENTRY_CLOSED,
                event,
                f"the entry was already {state.status.value} "
                f"({state.closed_on.isoformat() if state.closed_on else '?'})",
            )
        kind = event.type
        if kind is EventType.TRIAGE:
            if state.status is not EntryStatus.REGISTERED:
                self._break(
                    Rule.ALREADY_TRIAGED,
                    event,
                    f"already in category {state.category!r}; a change of category is a move "
                    "with a reason code",
                )
            self._known_category(event, policy)
            self._no_reason(event)
        elif kind in (EventType.REVIEW, EventType.MOVE):
            self._waiting(event, state)
            if kind is EventType.REVIEW:
                self._same_category(event, state)
                self._no_reason(event)
            else:
                self._known_category(event, policy)
                if event.category == state.category:
                    self._break(
                        Rule.MOVE_TO_SAME_CATEGORY,
                        event,
                        f"the entry is already in category {state.category!r}",
                    )
                self._reason(event, policy, "move", "a move between categories needs a reason")
        elif kind is EventType.INVITATION:
            self._check_invitation(event, state, policy)
        elif kind in (EventType.WITHDRAWAL, EventType.REMOVAL):
            self._same_category(event, state)
            if kind is EventType.WITHDRAWAL:
                self._no_reason(event)
            else:
                self._reason(event, policy, "removal", "a removal needs a reason")
        elif kind is EventType.DECISION:
            if state.status is not EntryStatus.INVITED:
                self._break(
                    Rule.NOT_INVITED,
                    event,
                    f"the entry is {state.status.value}, not invited; only an invited entry "
                    "is decided",
                )
            self._same_category(event, state)
            self._no_reason(event)
        else:  # pragma: no cover - every EventType is handled above
            raise AssertionError(kind)

    def _check_policy(self, event: Event) -> None:
        policy = event.policy
        assert policy is not None
        if policy.member_state != self.member_state:
            self._break(
                Rule.WRONG_MEMBER_STATE,
                event,
                f"a policy of {policy.member_state} in the ledger of {self.member_state}",
            )
        for state in self._entries.values():
            if (
                state.category is not None
                and state.status in (EntryStatus.WAITING, EntryStatus.INVITED)
                and state.category not in policy.categories
            ):
                self._break(
                    Rule.CATEGORY_DROPPED,
                    event,
                    f"the new policy has no category {state.category!r}, which still holds "
                    f"{state.status.value} entries (e.g. {state.entry}); move them first",
                )

    def _check_invitation(self, event: Event, state: EntryState, policy: LedgerPolicy) -> None:
        if state.status is EntryStatus.INVITED:
            self._break(
                Rule.INVITED_TWICE,
                event,
                f"the entry was already invited on {state.invited_on.isoformat()}"
                if state.invited_on
                else "the entry was already invited",
            )
        self._waiting(event, state)
        self._same_category(event, state)
        category = state.category
        assert category is not None
        queue = self._queues[category]
        first_seq, first = queue[0]
        if first != state.entry:
            if event.reason is None:
                ahead = bisect.bisect_left(queue, (state.registered_seq, state.entry))
                self._break(
                    Rule.INVITED_OUT_OF_ORDER,
                    event,
                    f"invited while {first} (registered at seq {first_seq}) was first in "
                    f"category {category!r} and {ahead} entr{'y was' if ahead == 1 else 'ies were'}"
                    " ahead, with no reason code",
                )
            self._reason(event, policy, "invitation", "")
        else:
            self._no_reason(event, "the first waiting entry is invited in turn, without a reason")
        year = event.on.year
        quota = policy.categories[category].quota(year)
        used = self.places_used(category, year)
        if quota is None:
            self._break(
                Rule.QUOTA_EXCEEDED,
                event,
                f"category {category!r} has no quota for {year}, so no places",
            )
        if used >= quota:
            self._break(
                Rule.QUOTA_EXCEEDED,
                event,
                f"all {quota} places of category {category!r} in {year} are taken",
            )

    # --- small checks ----------------------------------------------------------------------

    @staticmethod
    def _break(rule: Rule, event: Event, message: str) -> NoReturn:
        raise RuleViolation(rule.value, message, event.entry)

    def _waiting(self, event: Event, state: EntryState) -> None:
        if state.status is EntryStatus.REGISTERED:
            self._break(Rule.NOT_TRIAGED, event, "the entry has not been triaged yet")
        if state.status is not EntryStatus.WAITING:
            self._break(Rule.NOT_WAITING, event, f"the entry is {state.status.value}")

    def _known_category(self, event: Event, policy: LedgerPolicy) -> None:
        if event.category not in policy.categories:
            known = ", ".join(sorted(policy.categories))
            self._break(
                Rule.UNKNOWN_CATEGORY,
                event,
                f"no category {event.category!r} in the policy in force (known: {known})",
            )

    def _same_category(self, event: Event, state: EntryState) -> None:
        if event.category != state.category:
            self._break(
                Rule.CATEGORY_MISMATCH,
                event,
                f"the event says category {event.category!r}, the entry is in {state.category!r}",
            )

    def _no_category(self, event: Event, message: str) -> None:
        if event.category is not None:
            self._break(Rule.CATEGORY_MISMATCH, event, message)

    def _no_reason(self, event: Event, why: str = "") -> None:
        if event.reason is not None:
            self._break(
                Rule.UNEXPECTED_REASON,
                event,
                why or f"a {event.type.value} records no reason code (got {event.reason!r})",
            )

    def _reason(self, event: Event, policy: LedgerPolicy, kind: str, missing: str) -> None:
        if event.reason is None:
            self._break(Rule.REASON_REQUIRED, event, missing)
        if event.reason not in policy.reasons[kind]:
            known = ", ".join(sorted(policy.reasons[kind]))
            self._break(
                Rule.UNKNOWN_REASON,
                event,
                f"{event.reason!r} is not a {kind} reason of the policy in force (known: {known})",
            )

    # --- changing --------------------------------------------------------------------------

    def apply(self, event: Event, seq: int | None = None) -> None:
        """Check ``event`` and make its change; ``seq`` is its sequence number in the ledger
        (by default the next one), which orders registrations made on the same day."""
        self.check(event)
        seq = self.events + 1 if seq is None else seq
        self.events += 1
        self.last_on = event.on
        if event.type is EventType.POLICY:
            assert event.policy is not None
            self.policy = event.policy
            for code in event.policy.categories:
                self._opened.setdefault(code, event.on)
            return
        entry = event.entry
        assert entry is not None
        if event.type is EventType.REGISTRATION:
            self._entries[entry] = EntryState(
                entry, EntryStatus.REGISTERED, None, registered_seq=seq, registered_on=event.on
            )
            return
        state = self._entries[entry]
        kind = event.type
        if kind is EventType.TRIAGE:
            state = replace(
                state, status=EntryStatus.WAITING, category=event.category, reviewed_on=event.on
            )
            self._enqueue(state)
        elif kind is EventType.REVIEW:
            state = replace(state, reviewed_on=event.on)
        elif kind is EventType.MOVE:
            self._dequeue(state)
            state = replace(state, category=event.category, reviewed_on=event.on)
            self._enqueue(state)
        elif kind is EventType.INVITATION:
            self._dequeue(state)
            assert state.category is not None
            state = replace(state, status=EntryStatus.INVITED, invited_on=event.on)
            self._places.setdefault((state.category, event.on.year), set()).add(entry)
            self._invitations.setdefault(state.category, []).append(event.on)
        elif kind in (EventType.WITHDRAWAL, EventType.REMOVAL):
            if state.status is EntryStatus.WAITING:
                self._dequeue(state)
            elif state.status is EntryStatus.INVITED:
                assert state.category is not None and state.invited_on is not None
                self._places[(state.category, state.invited_on.year)].discard(entry)
            status = EntryStatus.WITHDRAWN if kind is EventType.WITHDRAWAL else EntryStatus.REMOVED
            state = replace(state, status=status, closed_on=event.on)
        elif kind is EventType.DECISION:
            state = replace(state, status=EntryStatus.DECIDED, closed_on=event.on)
        self._entries[entry] = state

    def _enqueue(self, state: EntryState) -> None:
        assert state.category is not None
        bisect.insort(
            self._queues.setdefault(state.category, []), (state.registered_seq, state.entry)
        )

    def _dequeue(self, state: EntryState) -> None:
        assert state.category is not None
        queue = self._queues[state.category]
        index = bisect.bisect_left(queue, (state.registered_seq, state.entry))
        del queue[index]
