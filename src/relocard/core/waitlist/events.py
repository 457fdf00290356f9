"""Events: every change to the waiting list, as the ledger records it.

=============  ==========  ============================  ====================================
event          entry       category                      reason code
=============  ==========  ============================  ====================================
policy         none        none                          none (the record carries the policy)
registration   new id      none                          none
triage         registered  the category given            none
review         waiting     its category (unchanged)      none
move           waiting     the category it moves to      required: a ``move`` code
invitation     waiting     its category                  required when out of turn: an
                                                         ``invitation`` code; else none
withdrawal     open        its category (none if         none (the person's choice needs no
                           not yet triaged)              reason)
removal        open        its category (or none)        required: a ``removal`` code
decision       invited     its category                  none (the outcome is not published)
=============  ==========  ============================  ====================================

An event is a value: which kind, on which day (UTC), about which entry. Whether it is allowed
is for :class:`~relocard.core.waitlist.rules.WaitingList` to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from relocard.core.waitlist.errors import EventError
from relocard.core.waitlist.ids import is_entry_id
from relocard.core.waitlist.policy import LedgerPolicy, is_code

__all__ = ["Event", "EventType"]


class EventType(StrEnum):
    POLICY = "policy"
    REGISTRATION = "registration"
    TRIAGE = "triage"
    REVIEW = "review"
    MOVE = "move"
    INVITATION = "invitation"
    WITHDRAWAL = "withdrawal"
    REMOVAL = "removal"
    DECISION = "decision"


@dataclass(frozen=True, slots=True)
class Event:
    """One change to the waiting list. ``on`` is the day it happened (UTC).

    Construct events with the class methods (``Event.invitation(entry, on=..., category=...)``);
    the constructor checks the event's own shape (an entry id in canonical form with a matching
    check character, codes in the ledger's alphabet, a policy only on a policy event) and
    raises :class:`EventError`; it does not check the order rules.
    """

    type: EventType
    on: date
    entry: str | None = None
    category: str | None = None
    reason: str | None = None
    policy: LedgerPolicy | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.type, EventType):
            raise EventError(f"event type {self.type!r} is not an EventType")
        if not isinstance(self.on, date) or isinstance(self.on, datetime):
            raise EventError(f"{self.type}: on must be a day (a date, not a datetime)")
        if self.type is EventType.POLICY:
            if not isinstance(self.policy, LedgerPolicy):
                raise EventError("a policy event carries a LedgerPolicy")
            if (self.entry, self.category, self.reason) != (None, None, None):
                raise EventError("a policy event has no entry, category or reason")
            return
        if self.policy is not None:
            raise EventError(f"a {self.type} event carries no policy")
        if not is_entry_id(self.entry):
            raise EventError(f"{self.type}: {self.entry!r} is not an entry id (HV-XXXX-...)")
        for name in ("category", "reason"):
            value = getattr(self, name)
            if value is not None and not is_code(value):
                raise EventError(f"{self.type}: {name} {value!r} is not a ledger code")

    # Constructors, one per kind, so that callers name the parts each kind has.

    @classmethod
    def policy_change(cls, policy: LedgerPolicy, *, on: date) -> Event:
        return cls(EventType.POLICY, on, policy=policy)

    @classmethod
    def registration(cls, entry: str, *, on: date) -> Event:
        return cls(EventType.REGISTRATION, on, entry)

    @classmethod
    def triage(cls, entry: str, *, on: date, category: str) -> Event:
        return cls(EventType.TRIAGE, on, entry, category)

    @classmethod
    def review(cls, entry: str, *, on: date, category: str) -> Event:
        return cls(EventType.REVIEW, on, entry, category)

    @classmethod
    def move(cls, entry: str, *, on: date, category: str, reason: str) -> Event:
        return cls(EventType.MOVE, on, entry, category, reason)

    @classmethod
    def invitation(cls, entry: str, *, on: date, category: str, reason: str | None = None) -> Event:
        return cls(EventType.INVITATION, on, entry, category, reason)

    @classmethod
    def withdrawal(cls, entry: str, *, on: date, category: str | None) -> Event:
        return cls(EventType.WITHDRAWAL, on, entry, category)

    @classmethod
    def removal(cls, entry: str, *, on: date, category: str | None, reason: str) -> Event:
        return cls(EventType.REMOVAL, on, entry, category, reason)

    @classmethod
    def decision(cls, entry: str, *, on: date, category: str) -> Event:
        return cls(EventType.DECISION, on, entry, category)
