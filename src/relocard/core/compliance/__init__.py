"""The compliance verdict on a relocatee card: the rule, one card at a time and in columns.

Pure: no database, no Django. The per-card path (``relocard.cards.compliance``'s
``compliance_for_card``) builds a :class:`Verdict` with :func:`verdict_status`; the nightly run
loads its inputs into numpy and Polars and calls the columnar functions of :mod:`.bulk`
(:func:`presence_frame`, :func:`verdict_frame`, :func:`changes`, :func:`due_reminders`, the
rule as :func:`status_expr`), then writes what they return. The bulk API is loaded on first
use (numpy and Polars take about half a second to import; pages that only word a verdict
never need them).

The rule
--------

Inputs, per card: presence over the card year (``valid_from`` to ``valid_until``, as of the
run's date, from all the holder's trips: the residence calculator); the facts of the latest
facts row of the card's case; the force-majeure days a caseworker accepted for that row's cycle
(the card's cycle when there is no facts row); the ``renewal`` stage's criteria of the member
state's policy in force on the run's date. Residence is judged by the rules on the *worst case
over the whole year* (present days = days in the year minus the worst-case projected absence),
less the excused days.

* **FAILING** when a criterion is not met and can no longer change: residence only once the
  card year is over (the calculator's ``not_met``, after excused days); any other criterion as
  soon as it is not met (the facts are verified evidence: waiting does not change them);
* otherwise **AT_RISK** when presence is at risk (the calculator's ``at_risk``, after excused
  days: the worst case breaks the rule before the year ends), or a criterion is unknown while
  the renewal window is open, or evidence expires before the card's last day;
* otherwise **OK**.

Stored figures (:data:`VERDICT_COLUMNS`): ``present_min`` and ``present_max`` are the present
days projected over the *whole* card year in the worst and the best case, and
``budget_left_min`` the worst-case days of absence still allowed. Unlike the days counted so
far, they move only when trips (or the year) change, so a night rewrites only the cards whose
situation changed. A status *worsens* when its :data:`RANK` rises (a card never judged counts
as OK).

Frames
------

The cards frame has one row per card: ``card_id``, ``applicant_id``, ``application_id``,
``member_state``, ``cycle``, ``valid_from``, ``valid_until``, ``user_id``, ``reference`` and
``pending`` (a renewal is pending). Trips come as :class:`TripColumns`, mapped to the cards
frame's rows by :class:`CardRows`. Facts are the rules' table columns (see
:func:`relocard.core.rules.evaluate_table`) with ``application_id``, ``facts_cycle`` and
``expires_on``; accepted exceptions are ``application_id``, ``exc_cycle``, ``fm_days``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from relocard.core import rules
from relocard.core.rules.criteria import FORCE_MAJEURE

if TYPE_CHECKING:
    from relocard.core.compliance.bulk import (
        PRESENCE_SLICE,
        VERDICT_SCHEMA,
        CardRows,
        TripColumns,
        changes,
        due_reminders,
        presence_frame,
        status_expr,
        verdict_frame,
    )

_BULK = (
    "PRESENCE_SLICE",
    "VERDICT_SCHEMA",
    "CardRows",
    "TripColumns",
    "changes",
    "due_reminders",
    "presence_frame",
    "status_expr",
    "verdict_frame",
)

#: The policy stage whose criteria a card must keep meeting.
STAGE = "renewal"
#: The presence criterion (judged on the worst case over the whole card year).
RESIDENCE = "residence"
#: The rules' table column for the accepted force-majeure days (see ``rules.bulk``).
FORCE_MAJEURE_COLUMN = f"{FORCE_MAJEURE}_days"


class Status(StrEnum):
    """A card's compliance (the values of ``cards.models.ComplianceStatus``)."""

    OK = "ok"
    AT_RISK = "at_risk"
    FAILING = "failing"


#: Severity order, to tell when a holder's status worsens.
RANK = {Status.OK: 0, Status.AT_RISK: 1, Status.FAILING: 2}

#: The stored fields that make up a verdict (a row is rewritten when one of them changes).
VERDICT_COLUMNS = (
    "status",
    "presence_status",
    "present_min",
    "present_max",
    "budget_left_min",
    "outcome",
    "not_met",
    "unknown",
    "evidence_expires_on",
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """One card's compliance, as stored (``cards.models.CardCompliance``)."""

    status: Status
    presence_status: str
    present_min: int
    present_max: int
    budget_left_min: int
    outcome: str
    not_met: tuple[str, ...]
    unknown: tuple[str, ...]
    evidence_expires_on: date | None

    def fields(self) -> dict[str, Any]:
        """The stored field values (:data:`VERDICT_COLUMNS`)."""
        return {
            "status": self.status.value,
            "presence_status": self.presence_status,
            "present_min": self.present_min,
            "present_max": self.present_max,
            "budget_left_min": self.budget_left_min,
            "outcome": self.outcome,
            "not_met": ",".join(self.not_met),
            "unknown": ",".join(self.unknown),
            "evidence_expires_on": self.evidence_expires_on,
        }


def verdict_status(
    *,
    residence_not_met: bool,
    other_not_met: bool,
    any_unknown: bool,
    year_over: bool,
    window_open: bool,
    evidence_expires_early: bool,
) -> Status:
    """The rule of the module docstring, for one card (:func:`.bulk.status_expr` in columns)."""
    if other_not_met or (residence_not_met and year_over):
        return Status.FAILING
    if residence_not_met or (any_unknown and window_open) or evidence_expires_early:
        return Status.AT_RISK
    return Status.OK


def renewal_milestones(member_state: str, *, on: date) -> tuple[int, ...]:
    """Days before expiry at which holders are reminded, largest first (120, 60, 30)."""
    policy = rules.load_policy(member_state, on=on)
    days = {int(policy.value("renewal.window_days"))}
    days.update(int(d) for d in policy.value("renewal.reminder_days"))
    return tuple(sorted(days, reverse=True))


def renewal_window_days(member_state: str, *, on: date) -> int:
    """Days before expiry at which the renewal window opens (the policy's 120)."""
    return int(rules.load_policy(member_state, on=on).value("renewal.window_days"))


def __getattr__(name: str) -> Any:
    if name not in _BULK:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module("relocard.core.compliance.bulk"), name)


__all__ = [
    "FORCE_MAJEURE_COLUMN",
    "PRESENCE_SLICE",
    "RANK",
    "RESIDENCE",
    "STAGE",
    "VERDICT_COLUMNS",
    "VERDICT_SCHEMA",
    "CardRows",
    "Status",
    "TripColumns",
    "Verdict",
    "changes",
    "due_reminders",
    "presence_frame",
    "renewal_milestones",
    "renewal_window_days",
    "status_expr",
    "verdict_frame",
    "verdict_status",
]
