"""Programme statistics, honest and at a cost that does not grow with the programme.

Honest means: every figure says what it counts and over which period, percentiles come with
their sample size, and small counts (1 to 4) are shown as "fewer than 5" so that statistics
never single out a person.

:func:`programme_statistics` is the one computation: it reads every case of the member states
(grouped counts, and the decisions of the window for the percentiles). At 300,000 applicants it
took about 0.9 s, so the page no longer runs it per request: :func:`statistics_refresh` stores
its result per member state in :class:`~relocard.cases.models.StatisticsSnapshot` (the worker
runs it every :data:`REFRESH_EVERY`), and :func:`statistics_snapshot` reads the stored rows in
one query, computing at once, through the same function, those that are missing or older than
:data:`STALE_AFTER`. The page shows the time of the figures.

Why a snapshot and not counters kept in each state change: the percentiles and the approval
rate are over a sliding window of :data:`WINDOW_DAYS` days and "past their deadline" depends on
today's date, so neither can be kept as counters without a recomputation anyway; and SQL
aggregation alone still reads every row of the programme per request.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from relocard.audit.services import audit_record
from relocard.cards.models import Card, CardStatus
from relocard.cases.models import (
    PENDING_STATES,
    Application,
    CaseState,
    Decision,
    DecisionOutcome,
    DecisionStatus,
    StatisticsSnapshot,
)
from relocard.cases.selectors import ESTIMATE_WINDOW_DAYS
from relocard.core.workflow import percentile
from relocard.reference.models import MemberState

#: Counts below this are not shown exactly (statistical disclosure control).
SMALL = 5
#: The same window as the applicants' processing-time estimate.
WINDOW_DAYS = ESTIMATE_WINDOW_DAYS
#: How often the worker recomputes the snapshots.
REFRESH_EVERY = timedelta(minutes=5)
#: A snapshot older than this (the worker stopped) is recomputed when the page is read.
STALE_AFTER = timedelta(minutes=15)


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


def _counts(rows, field: str) -> Counter:
    """(member state, value of ``field``) -> rows, in one grouped query."""
    grouped = rows.values_list("member_state_id", field).annotate(n=Count("id"))
    return Counter({(ms, value): n for ms, value, n in grouped})


def programme_statistics(*, member_states: list[str]) -> list[MemberStateStats]:
    """One row per member state: a fixed number of queries whatever the number of cases (but
    each reads every case: see the module)."""
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


# --- snapshots ----------------------------------------------------------------------------------


def _figure_json(f: Figure) -> list:
    return [f.value, f.small]


def _figure_from(value) -> Figure:
    exact, small = value
    return Figure(exact, bool(small))


def stats_to_json(row: MemberStateStats) -> dict:
    """What a snapshot stores: only suppressed figures (a small count is stored as "small",
    never as its value)."""
    return {
        "by_state": {s: _figure_json(f) for s, f in row.by_state.items()},
        "decided": _figure_json(row.decided),
        "approved": _figure_json(row.approved),
        "approval_rate": row.approval_rate,
        "median_days": row.median_days,
        "p90_days": row.p90_days,
        "sample": row.sample,
        "overdue": _figure_json(row.overdue),
        "refusal_criteria": [[c, _figure_json(f)] for c, f in row.refusal_criteria],
        "cards": {s: _figure_json(f) for s, f in row.cards.items()},
    }


def stats_from_json(code: str, data: dict) -> MemberStateStats:
    return MemberStateStats(
        code=code,
        by_state={s: _figure_from(data["by_state"].get(s, [0, False])) for s in CaseState.values},
        decided=_figure_from(data["decided"]),
        approved=_figure_from(data["approved"]),
        approval_rate=data["approval_rate"],
        median_days=data["median_days"],
        p90_days=data["p90_days"],
        sample=data["sample"],
        overdue=_figure_from(data["overdue"]),
        refusal_criteria=[(c, _figure_from(f)) for c, f in data["refusal_criteria"]],
        cards={s: _figure_from(data["cards"].get(s, [0, False])) for s in CardStatus.values},
    )


def statistics_refresh(
    *, member_states: list[str] | None = None, actor=None
) -> tuple[datetime, dict[str, dict]]:
    """Recompute the snapshots of ``member_states`` (default: every member state where the
    programme runs) with :func:`programme_statistics` and store them, in one transaction with
    its audit event. Returns the time of the new figures and what was stored per member
    state."""
    with transaction.atomic():
        if member_states is None:
            member_states = list(
                MemberState.objects.filter(programme_enabled=True)
                .order_by("code")
                .values_list("code", flat=True)
            )
        now = timezone.now()
        stored = {
            row.code: stats_to_json(row)
            for row in programme_statistics(member_states=member_states)
        }
        StatisticsSnapshot.objects.bulk_create(
            [
                StatisticsSnapshot(member_state_id=ms, computed_at=now, figures=figures)
                for ms, figures in stored.items()
            ],
            update_conflicts=True,
            unique_fields=["member_state"],
            update_fields=["computed_at", "figures"],
        )
        audit_record(
            actor=actor,
            action="statistics.refreshed",
            object_type="statistics",
            object_id="snapshot",
            member_state=member_states[0] if len(member_states) == 1 else "",
            data={"member_states": member_states},
        )
    return now, stored


def statistics_snapshot(
    *, member_states: list[str], actor=None, now: datetime | None = None
) -> tuple[list[MemberStateStats], datetime | None]:
    """The figures of ``member_states`` and the time they were computed (the oldest of them).

    One query when the snapshots are fresh; those missing or older than :data:`STALE_AFTER`
    are computed at once through :func:`programme_statistics` (and stored), so the page never
    shows figures older than that, nor invents any."""
    now = now or timezone.now()
    member_states = [ms for ms in member_states if ms]  # a staff member with no member state
    figures, times = {}, {}
    for ms, at, data in StatisticsSnapshot.objects.filter(
        member_state_id__in=member_states
    ).values_list("member_state_id", "computed_at", "figures"):
        figures[ms], times[ms] = data, at
    stale = [ms for ms in member_states if ms not in times or times[ms] < now - STALE_AFTER]
    if stale:
        at, fresh = statistics_refresh(member_states=stale, actor=actor)
        figures.update(fresh)
        times.update(dict.fromkeys(stale, at))
    rows = [stats_from_json(ms, figures[ms]) for ms in member_states]
    return rows, min((times[ms] for ms in member_states), default=None)
