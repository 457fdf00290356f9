"""The case workflow as data: which action moves a case from which state to which.

Each card year is a cycle of the same case: ``open_renewal`` starts the next cycle from an
approved case, and a refusal can be reopened when an appeal is upheld.

Pure and small on purpose, so that the services, the pages (which buttons to show) and the
tests all read the same table. The Django models name the states; this module names the moves.

Errors: :class:`TransitionError` - the action is not possible in the case's current state.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "ACTIONS",
    "Move",
    "TransitionError",
    "actions_from",
    "decision_due",
    "extend_for_pause",
    "next_state",
    "percentile",
]

DRAFT, SUBMITTED, IN_REVIEW = "draft", "submitted", "in_review"
CORRECTION, REFUSAL_PROPOSED = "correction_requested", "refusal_proposed"
APPROVED, REFUSED, WITHDRAWN = "approved", "refused", "withdrawn"


@dataclass(frozen=True, slots=True)
class Move:
    action: str
    sources: frozenset[str]
    target: str


ACTIONS: dict[str, Move] = {
    m.action: m
    for m in (
        Move("submit", frozenset({DRAFT}), SUBMITTED),
        Move("start_review", frozenset({SUBMITTED}), IN_REVIEW),
        Move("request_correction", frozenset({IN_REVIEW}), CORRECTION),
        Move("resubmit", frozenset({CORRECTION}), IN_REVIEW),
        Move("approve", frozenset({IN_REVIEW}), APPROVED),
        Move("propose_refusal", frozenset({IN_REVIEW}), REFUSAL_PROPOSED),
        Move("confirm_refusal", frozenset({REFUSAL_PROPOSED}), REFUSED),
        Move("return_refusal", frozenset({REFUSAL_PROPOSED}), IN_REVIEW),
        Move("withdraw", frozenset({DRAFT, SUBMITTED, IN_REVIEW, CORRECTION}), WITHDRAWN),
        # The trial year: an approved case opens its next cycle (a renewal) as a new draft.
        Move("open_renewal", frozenset({APPROVED}), DRAFT),
        # The holder withdraws a renewal while the card is in force: the case is the approved
        # case of the card's year again, and the renewal can start again in its window.
        Move("withdraw_renewal", frozenset({DRAFT, SUBMITTED, IN_REVIEW, CORRECTION}), APPROVED),
        # A supervisor upholds an appeal against a refusal: the case is reviewed again.
        Move("reopen_on_appeal", frozenset({REFUSED}), IN_REVIEW),
    )
}


class TransitionError(ValueError):
    """The action cannot be taken from the case's current state."""

    def __init__(self, action: str, state: str) -> None:
        super().__init__(
            f"cannot {action.replace('_', ' ')} a case that is {state.replace('_', ' ')}"
        )
        self.action = action
        self.state = state


def next_state(state: str, action: str) -> str:
    """The state after ``action``; raises :class:`TransitionError` if it is not allowed."""
    move = ACTIONS.get(action)
    if move is None:
        raise KeyError(f"unknown action {action!r}")
    if state not in move.sources:
        raise TransitionError(action, state)
    return move.target


def actions_from(state: str) -> list[str]:
    """The actions possible from ``state``, in table order."""
    return [m.action for m in ACTIONS.values() if state in m.sources]


def decision_due(submitted_on: date, decision_days: int) -> date:
    """Last day for a decision: calendar days after submission."""
    return submitted_on + timedelta(days=decision_days)


def extend_for_pause(due: date, paused_on: date, resumed_on: date) -> date:
    """Move the deadline by the calendar days the clock was paused (a correction was open)."""
    if resumed_on < paused_on:
        raise ValueError("a pause cannot end before it starts")
    return due + timedelta(days=(resumed_on - paused_on).days)


def percentile(values: Iterable[float], q: float) -> float | None:
    """Nearest-rank percentile (q in (0, 1]); None for no values.

    Nearest rank returns an observed value ("90% of cases were decided within N days"),
    which is what an applicant-facing estimate should say; no interpolation.
    """
    if not 0 < q <= 1:
        raise ValueError("q must be in (0, 1]")
    ordered: Sequence[float] = sorted(values)
    if not ordered:
        return None
    rank = math.ceil(q * len(ordered))
    return ordered[rank - 1]
