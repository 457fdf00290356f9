"""Programme-wide reads for the console: honest statistics.

Honest means: every figure says what it counts and over which period, percentiles come with
their sample size, and small counts (1 to 4) are shown as "fewer than 5" so that statistics
never single out a person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from relocard.cards.compliance import facts_frame
from relocard.cards.models import Card, CardCompliance, CardStatus
from relocard.cases.models import (
    PENDING_STATES,
    Application,
    CaseState,
    Decision,
    DecisionOutcome,
    DecisionStatus,
)
from relocard.cases.selectors import ESTIMATE_WINDOW_DAYS
from relocard.common import access
from relocard.core import rules
from relocard.core.rules.bulk import TABLE_SCHEMA
from relocard.core.workflow import percentile
from relocard.reference.models import MemberState

#: Counts below this are not shown exactly (statistical disclosure control).
SMALL = 5
#: The same window as the applicants' processing-time estimate.
WINDOW_DAYS = ESTIMATE_WINDOW_DAYS


@dataclass(frozen=True, slots=True)
class Figure:
    value: int | None
    small: bool = False

    def __str__(self) -> str:
        return "<5" if self.small else str(self.value)


def figure(n: int) -> Figure:
    return Figure(None, True) if 0 < n < SMALL else Figure(n)


@dataclass(frozen=True, slots=True)
class MemberStateStats:
    code: str
    by_state: dict[str, Figure]
    decided: Figure
    approved: Figure
    approval_rate: int | None  # per cent, None when too few decisions
    median_days: float | None
    p90_days: float | None
    sample: int
    overdue: Figure
    refusal_criteria: list[tuple[str, Figure]]
    cards: dict[str, Figure]


def member_states_in_view(user) -> list[str]:
    """The member states whose figures a staff member sees: all where the programme runs for
    programme admins, their own for everyone else (the access checks come first)."""
    if access.sees_all_member_states(user):
        return list(
            MemberState.objects.filter(programme_enabled=True).values_list("code", flat=True)
        )
    return [user.member_state_id]


def _counts(rows, field: str) -> Counter:
    """(member state, value of ``field``) -> rows, in one grouped query."""
    grouped = rows.values_list("member_state_id", field).annotate(n=Count("id"))
    return Counter({(ms, value): n for ms, value, n in grouped})


def programme_statistics(*, member_states: list[str]) -> list[MemberStateStats]:
    """One row per member state: a fixed number of queries whatever the number of cases."""
    now = timezone.now()
    since = now - timedelta(days=WINDOW_DAYS)
    today = timezone.localdate()
    states = _counts(Application.objects.filter(member_state__in=member_states), "state")
    overdue = dict(
        Application.objects.filter(
            member_state__in=member_states,
            decision_due__lt=today,
            state__in=PENDING_STATES,
        )
        .values_list("member_state_id")
        .annotate(n=Count("id"))
    )
    durations: dict[str, list[int]] = {ms: [] for ms in member_states}
    approved: Counter = Counter()
    for ms, submitted, decided, state in Application.objects.filter(
        member_state__in=member_states,
        decided_at__gte=since,
        submitted_at__isnull=False,
        state__in=[CaseState.APPROVED, CaseState.REFUSED],
    ).values_list("member_state_id", "submitted_at", "decided_at", "state"):
        durations[ms].append(max((decided - submitted).days, 0))
        approved[ms] += state == CaseState.APPROVED
    refusals: dict[str, Counter] = {ms: Counter() for ms in member_states}
    for ms, reasons in Decision.objects.filter(
        application__member_state__in=member_states,
        outcome=DecisionOutcome.REFUSE,
        status=DecisionStatus.CONFIRMED,
        confirmed_at__gte=since,
    ).values_list("application__member_state_id", "reasons"):
        refusals[ms].update(list(reasons or {}))  # one count per criterion named
    cards = _counts(Card.objects.filter(member_state__in=member_states), "status")
    rows = []
    for ms in member_states:
        sample = durations[ms]
        enough = len(sample) >= SMALL
        rows.append(
            MemberStateStats(
                code=ms,
                by_state={s: figure(states[(ms, s)]) for s in CaseState.values},
                decided=figure(len(sample)),
                approved=figure(approved[ms]),
                approval_rate=round(100 * approved[ms] / len(sample)) if enough else None,
                median_days=percentile(sample, 0.5) if enough else None,
                p90_days=percentile(sample, 0.9) if enough else None,
                sample=len(sample),
                overdue=figure(overdue.get(ms, 0)),
                refusal_criteria=[(c, figure(n)) for c, n in refusals[ms].most_common()],
                cards={s: figure(cards[(ms, s)]) for s in CardStatus.values},
            )
        )
    return rows


# --- what if: a parameter changed for one member state, over its real cases ----------------------


def what_if(*, member_state: str, stage: str, on, overrides: dict[str, str]) -> dict:
    """Run the rules' simulation over the member state's cases, before and after ``overrides``.

    The population: for a first card, every open first-card case; at renewal, every active
    card, with its presence over the card year as the nightly run last measured it. Facts come
    from verified evidence only, as in the pre-check. Nothing is written.
    """
    import polars as pl

    if stage == "issuance":
        ids = Application.objects.filter(
            member_state_id=member_state,
            stage="issuance",
            state__in=[
                CaseState.SUBMITTED,
                CaseState.IN_REVIEW,
                CaseState.CORRECTION_REQUESTED,
                CaseState.REFUSAL_PROPOSED,
                CaseState.APPROVAL_PROPOSED,
            ],
        ).values("id")
        table = facts_frame(ids)
    else:
        cards = Card.objects.filter(member_state_id=member_state, status=CardStatus.ACTIVE)
        table = facts_frame(cards.values("application_id"))
        presence = (
            pl.DataFrame(
                list(
                    CardCompliance.objects.filter(card__in=cards).values_list(
                        "card__application_id",
                        "present_min",
                        "card__valid_from",
                        "card__valid_until",
                    )
                ),
                schema={
                    "application_id": pl.Int64,
                    "present_days": pl.Int64,
                    "from": pl.Date,
                    "until": pl.Date,
                },
                orient="row",
            )
            .with_columns(period_days=(pl.col("until") - pl.col("from")).dt.total_days() + 1)
            .drop("from", "until")
        )
        table = table.join(presence, on="application_id", how="left")

    keep = [c for c in table.columns if c in TABLE_SCHEMA]
    return rules.simulate(
        table.select(keep), country=member_state, stage=stage, on=on, overrides=overrides
    )


def case_references(object_ids: Iterable[str]) -> dict[str, str]:
    """The reference of each case named by its row id (as an audit event's ``object_id``, a
    string); ids that are not numbers or name no case are left out."""
    return {
        str(pk): reference
        for pk, reference in Application.objects.filter(
            pk__in=[i for i in object_ids if i.isdigit()]
        ).values_list("pk", "reference")
    }
