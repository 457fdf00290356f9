"""Hypothesis strategies for the waiting list: valid histories, built by a model of their own.

The model below is written from the rules as docs/humanitarian.md states them, independently of
``relocard.core.waitlist.rules``: it keeps each category's waiting entries sorted by
registration, counts each year's places, and only ever proposes events the rules allow. The
tests then check that the library accepts every such history, verifies its ledger, and agrees
with the model about every entry's position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType

from hypothesis import strategies as st

from relocard.core.identifiers import ALPHABET, check_character
from relocard.core.waitlist import Event, Ledger, LedgerCategory, LedgerPolicy

CATEGORIES = ("immediate", "priority", "standard")
REASONS = {
    "invitation": ("court-order", "imminent-danger"),
    "move": ("risk-decreased", "risk-increased"),
    "removal": ("duplicate", "no-response"),
}
START = date(2026, 1, 1)


def entry_id(n: int) -> str:
    """A valid, deterministic entry id for the n-th entry (tests need reproducible ids; a
    history uses ids from 1 up, so ids from 100,000 are never in one)."""
    body = ""
    for _ in range(15):
        n, digit = divmod(n, 32)
        body = ALPHABET[digit] + body
    full = body + check_character(body, "HV")
    return "HV-" + "-".join(full[i : i + 4] for i in range(0, 16, 4))


def policy(
    quotas: dict[str, dict[int, int]], member_state: str = "FR", min_invitations: int = 3
) -> LedgerPolicy:
    return LedgerPolicy(
        member_state=member_state,
        categories=MappingProxyType(
            {c: LedgerCategory(30, MappingProxyType(dict(q))) for c, q in quotas.items()}
        ),
        reasons=MappingProxyType({k: frozenset(v) for k, v in REASONS.items()}),
        window_days=182,
        min_invitations=min_invitations,
    )


@st.composite
def policies(draw: st.DrawFn) -> LedgerPolicy:
    """Two or three categories with small quotas for 2026 and 2027 (2028 has none)."""
    count = draw(st.integers(2, 3))
    quotas = {
        c: {2026: draw(st.integers(0, 4)), 2027: draw(st.integers(0, 4))}
        for c in CATEGORIES[:count]
    }
    return policy(quotas)


@dataclass
class Model:
    """The list as the docs describe it, kept naively."""

    policy: LedgerPolicy
    status: dict[str, str] = field(default_factory=dict)
    category: dict[str, str | None] = field(default_factory=dict)
    registered: dict[str, int] = field(default_factory=dict)  # entry -> registration number
    invited_year: dict[str, int] = field(default_factory=dict)
    places: dict[tuple[str, int], set[str]] = field(default_factory=dict)

    def queue(self, category: str) -> list[str]:
        waiting = [
            e for e, s in self.status.items() if s == "waiting" and self.category[e] == category
        ]
        return sorted(waiting, key=lambda e: self.registered[e])

    def has_place(self, category: str, year: int) -> bool:
        quota = self.policy.categories[category].quotas.get(year)
        return quota is not None and len(self.places.get((category, year), ())) < quota


@dataclass(frozen=True)
class History:
    events: tuple[Event, ...]
    model: Model

    def ledger(self) -> Ledger:
        ledger = Ledger(self.events[0].policy.member_state)
        for event in self.events:
            ledger.append(event)
        return ledger


@st.composite
def histories(draw: st.DrawFn, max_steps: int = 40, min_steps: int = 0) -> History:
    """A valid sequence of events: a policy record, then registrations, triage, reviews,
    moves, invitations (in turn, or out of turn with a reason), withdrawals, removals,
    decisions, and now and then a new policy with other quotas."""
    pol = draw(policies())
    model = Model(pol)
    day = START + timedelta(days=draw(st.integers(0, 30)))
    events = [Event.policy_change(pol, on=day)]
    for _ in range(draw(st.integers(min_steps, max_steps))):
        day += timedelta(days=draw(st.sampled_from([0, 0, 1, 3, 12, 40])))
        cats = list(model.policy.categories)
        open_ = [e for e, s in model.status.items() if s in ("registered", "waiting", "invited")]
        untriaged = [e for e, s in model.status.items() if s == "registered"]
        waiting = [e for e, s in model.status.items() if s == "waiting"]
        invited = [e for e, s in model.status.items() if s == "invited"]
        in_turn = [q[0] for c in cats if (q := model.queue(c)) and model.has_place(c, day.year)]
        out_of_turn = [e for c in cats if model.has_place(c, day.year) for e in model.queue(c)[1:]]
        options = ["register"] * 4
        options += ["triage"] * 4 if untriaged else []
        options += ["review", "move"] if waiting else []
        options += ["invite"] * 5 if in_turn else []
        options += ["invite_out_of_turn"] * 2 if out_of_turn else []
        options += ["withdraw", "remove"] if open_ else []
        options += ["decide"] * 2 if invited else []
        options += ["new_policy"]
        op = draw(st.sampled_from(options))
        if op == "register":
            entry = entry_id(len(model.status) + 1)
            model.status[entry] = "registered"
            model.category[entry] = None
            model.registered[entry] = len(model.registered)
            events.append(Event.registration(entry, on=day))
        elif op == "triage":
            entry = draw(st.sampled_from(untriaged))
            category = draw(st.sampled_from(cats))
            model.status[entry], model.category[entry] = "waiting", category
            events.append(Event.triage(entry, on=day, category=category))
        elif op == "review":
            entry = draw(st.sampled_from(waiting))
            events.append(Event.review(entry, on=day, category=model.category[entry]))
        elif op == "move":
            entry = draw(st.sampled_from(waiting))
            others = [c for c in cats if c != model.category[entry]]
            category = draw(st.sampled_from(others))
            reason = draw(st.sampled_from(REASONS["move"]))
            model.category[entry] = category
            events.append(Event.move(entry, on=day, category=category, reason=reason))
        elif op in ("invite", "invite_out_of_turn"):
            entry = draw(st.sampled_from(in_turn if op == "invite" else out_of_turn))
            category = model.category[entry]
            reason = None if op == "invite" else draw(st.sampled_from(REASONS["invitation"]))
            model.status[entry] = "invited"
            model.invited_year[entry] = day.year
            model.places.setdefault((category, day.year), set()).add(entry)
            events.append(Event.invitation(entry, on=day, category=category, reason=reason))
        elif op in ("withdraw", "remove"):
            entry = draw(st.sampled_from(open_))
            category = model.category[entry]
            if model.status[entry] == "invited":
                model.places[(category, model.invited_year[entry])].discard(entry)
            model.status[entry] = "withdrawn" if op == "withdraw" else "removed"
            if op == "withdraw":
                events.append(Event.withdrawal(entry, on=day, category=category))
            else:
                reason = draw(st.sampled_from(REASONS["removal"]))
                events.append(Event.removal(entry, on=day, category=category, reason=reason))
        elif op == "decide":
            entry = draw(st.sampled_from(invited))
            model.status[entry] = "decided"
            events.append(Event.decision(entry, on=day, category=model.category[entry]))
        else:  # a new policy: the same categories, other quotas
            quotas = {
                c: {2026: draw(st.integers(0, 5)), 2027: draw(st.integers(0, 5))} for c in cats
            }
            model.policy = policy(quotas)
            events.append(Event.policy_change(model.policy, on=day))
    return History(tuple(events), model)
