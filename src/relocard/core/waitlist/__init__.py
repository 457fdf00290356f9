"""The humanitarian-visa waiting list: a fair queue that anyone can verify. Pure Python.

A member state keeps one waiting list of humanitarian-visa requests, in urgency categories
with yearly quotas. Every change to it is an event; the events form a public, hash-chained
ledger that carries no personal data; anyone can recompute the chain and replay the order
rules on it. The format, the rules and the privacy design are in ``docs/humanitarian.md``.

Public API::

    new_entry_id() -> str                          # "HV-K3M9-QXA7-PD2Y-B8NN", random
    normalise_entry_id(typed) -> str               # as typed by a person; EntryIdError
    load_humanitarian_policy("FR") -> HumanitarianPolicy   # the policy file's section
    HumanitarianPolicy.to_ledger() -> LedgerPolicy         # what the ledger publishes of it

    Event.registration(entry, on=...)              # and .triage, .review, .move, .invitation,
                                                   # .withdrawal, .removal, .decision,
                                                   # .policy_change
    ledger = Ledger.from_records("FR", stored)     # rebuild, checking chain and rules
    ledger.adopt_policy(policy, on=today)          # a policy record when the policy changed
    record = ledger.append(event)                  # RuleViolation if a rule forbids it
    ledger.to_json()                               # the public document
    ledger.state.position(entry) -> Position | None
    estimate_wait(ledger.state, entry, on=today) -> WaitEstimate
    reviews_due(ledger.state, on=today) -> tuple[ReviewDue, ...]

    verify_ledger(parse_ledger_json(data), previous=None) -> Verification
                                                   # .ok, .problem (first broken record)

The platform checks every event with the same :class:`WaitingList` rules the verifier
replays, before it stores it.

Exceptions::

    WaitlistError                   base of everything raised on purpose
    +-- EntryIdError                (ValueError) a typed entry id is malformed or mistyped
    +-- EventError                  (ValueError) an event malformed in itself
    +-- HumanitarianPolicyError     a policy file's humanitarian section is missing or wrong
    +-- RuleViolation               an event breaks an order rule; .rule is a Rule code
    +-- LedgerFormatError           (ValueError) a document is not a readable ledger at all
    +-- LedgerIntegrityError        stored records do not form a consistent ledger
"""

from relocard.core.waitlist.errors import (
    EntryIdError,
    EventError,
    HumanitarianPolicyError,
    LedgerFormatError,
    LedgerIntegrityError,
    RuleViolation,
    WaitlistError,
)
from relocard.core.waitlist.estimate import (
    HORIZON_YEARS,
    ReviewDue,
    Unavailable,
    WaitEstimate,
    estimate_wait,
    pace_interval,
    reviews_due,
)
from relocard.core.waitlist.events import Event, EventType
from relocard.core.waitlist.ids import (
    ENTRY_ID_EXAMPLE,
    entry_id_is_valid,
    is_entry_id,
    new_entry_id,
    normalise_entry_id,
)
from relocard.core.waitlist.ledger import (
    FORMAT,
    GENESIS_HASH,
    Ledger,
    Record,
    canonical_json,
    parse_ledger_json,
    record_from_json,
    record_hash,
)
from relocard.core.waitlist.policy import (
    REASON_EVENTS,
    Category,
    HumanitarianPolicy,
    LedgerCategory,
    LedgerPolicy,
    ReasonCode,
    load_humanitarian_policy,
)
from relocard.core.waitlist.rules import (
    RULE_DESCRIPTIONS,
    EntryState,
    EntryStatus,
    Position,
    Rule,
    WaitingList,
)
from relocard.core.waitlist.verify import Problem, Verification, verify_ledger

__all__ = [
    "ENTRY_ID_EXAMPLE",
    "FORMAT",
    "GENESIS_HASH",
    "HORIZON_YEARS",
    "REASON_EVENTS",
    "RULE_DESCRIPTIONS",
    "Category",
    "EntryIdError",
    "EntryState",
    "EntryStatus",
    "Event",
    "EventError",
    "EventType",
    "HumanitarianPolicy",
    "HumanitarianPolicyError",
    "Ledger",
    "LedgerCategory",
    "LedgerFormatError",
    "LedgerIntegrityError",
    "LedgerPolicy",
    "Position",
    "Problem",
    "ReasonCode",
    "Record",
    "ReviewDue",
    "Rule",
    "RuleViolation",
    "Unavailable",
    "Verification",
    "WaitEstimate",
    "WaitingList",
    "WaitlistError",
    "canonical_json",
    "entry_id_is_valid",
    "estimate_wait",
    "is_entry_id",
    "load_humanitarian_policy",
    "new_entry_id",
    "normalise_entry_id",
    "pace_interval",
    "parse_ledger_json",
    "record_from_json",
    "record_hash",
    "reviews_due",
    "verify_ledger",
]
