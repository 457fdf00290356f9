"""Reads of the security screening: a case's screening state (for the approval gate, the case
page and the applicant's page), the officers' queues, list versions and what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import translation

from relocard.cases.models import Application
from relocard.core.i18n import Msg
from relocard.core.screening import load_screening_policy
from relocard.reference.models import MemberState
from relocard.screening.models import (
    CheckStatus,
    ListedEntity,
    ListVersion,
    NationalCheck,
    ProposalStatus,
    ReviewStatus,
    ScreeningReview,
    ScreeningRun,
)

__all__ = [
    "CaseScreening",
    "case_screening",
    "check_queue",
    "checks_to_export",
    "get_version",
    "latest_run",
    "latest_version",
    "list_versions",
    "member_state_exists",
    "open_review",
    "overdue_checks",
    "review_queue",
    "version_changes",
]


@dataclass(frozen=True, slots=True)
class CaseScreening:
    """Where a case's security screening stands, in words anyone on the case may read."""

    #: Screening applies (RELOCARD_SCREENING_REQUIRED) and the case was filed.
    applies: bool
    #: No run against the latest list version (or no list loaded at all).
    pending: bool = False
    list_loaded: bool = True
    #: A possible match is waiting for the screening officers.
    under_review: bool = False
    #: A confirmed match, or a national authority's objection.
    blocked: bool = False
    #: Required national checks not yet answered "no objection" (type, deadline or None when
    #: not requested yet).
    checks_open: tuple[tuple[str, date | None], ...] = field(default=())

    @property
    def complete(self) -> bool:
        return self.applies and not (
            self.pending or self.under_review or self.blocked or self.checks_open
        )

    @property
    def under_way(self) -> bool:
        """What the applicant is told: "additional checks are under way" (no more)."""
        return self.applies and not self.complete


def latest_version() -> ListVersion | None:
    return ListVersion.objects.order_by("-id").first()


def latest_run(application: Application) -> ScreeningRun | None:
    return (
        ScreeningRun.objects.filter(application=application, cycle=application.cycle)
        .order_by("-id")
        .first()
    )


def case_screening(application: Application) -> CaseScreening:
    if not settings.RELOCARD_SCREENING_REQUIRED or application.submitted_at is None:
        return CaseScreening(applies=False)
    version = latest_version()
    run = latest_run(application)
    checks = list(
        NationalCheck.objects.filter(application=application, cycle=application.cycle).only(
            "check_type", "status", "deadline"
        )
    )
    blocked = any(c.status == CheckStatus.OBJECTION for c in checks)
    checks_open = tuple(
        (c.check_type, c.deadline)
        for c in checks
        if c.status in (CheckStatus.REQUESTED, CheckStatus.ANSWER_PROPOSED)
    )
    # A required check never requested (a case filed before screening was on) is open too:
    # the next re-screening requests it.
    have = {c.check_type for c in checks}
    required = load_screening_policy(application.member_state_id).checks(application.stage)
    checks_open += tuple((t, None) for t in required if t not in have)
    pending = version is None or run is None or run.version_id != version.pk
    if run is not None and run.review == ReviewStatus.CONFIRMED:
        blocked = True
    return CaseScreening(
        applies=True,
        pending=pending,
        list_loaded=version is not None,
        under_review=run is not None and run.review == ReviewStatus.PENDING,
        blocked=blocked,
        checks_open=checks_open,
    )


def run_hits(run: ScreeningRun, language: str) -> list[dict]:
    """The run's hits with their reasons in ``language``: each stored message rendered for the
    reader; a row stored before messages were (English text only) through the catalogue, which
    knows its fixed texts and leaves the others in English."""
    hits = []
    for hit in run.hits:
        stored = hit.get("messages")
        if stored:
            reasons = [Msg.from_json(m).render(language) for m in stored]
        else:
            with translation.override(language):
                reasons = [translation.gettext(r) for r in hit.get("reasons", [])]
        hits.append({**hit, "reasons": reasons})
    return hits


def open_review(run: ScreeningRun) -> ScreeningReview | None:
    return run.reviews.filter(status=ProposalStatus.PROPOSED).select_related("proposed_by").first()


def review_queue(runs: QuerySet[ScreeningRun]) -> QuerySet[ScreeningRun]:
    """The runs (from ``access.screening_runs``) waiting for an officer, oldest first."""
    return (
        runs.filter(review=ReviewStatus.PENDING)
        .select_related("application", "version")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=ScreeningReview.objects.filter(status=ProposalStatus.PROPOSED),
                to_attr="open_reviews",
            )
        )
        .order_by("ran_at", "id")
    )


def check_queue(checks: QuerySet[NationalCheck]) -> QuerySet[NationalCheck]:
    """National checks (from ``access.national_checks``) still waiting, earliest deadline first."""
    return (
        checks.filter(status__in=[CheckStatus.REQUESTED, CheckStatus.ANSWER_PROPOSED])
        .select_related("application")
        .order_by("deadline", "id")
    )


def overdue_checks(checks: QuerySet[NationalCheck], today: date) -> QuerySet[NationalCheck]:
    return check_queue(checks).filter(status=CheckStatus.REQUESTED, deadline__lt=today)


@dataclass(frozen=True, slots=True)
class ChangedEntity:
    logical_id: str
    reference: str
    change: str  # added, removed, changed


def version_changes(version: ListVersion) -> list[ChangedEntity]:
    """The entities added, removed and changed in ``version`` since the one before it."""
    changes = version.changes or {}
    previous = changes.get("previous")
    wanted = {
        "added": (version.pk, changes.get("added", [])),
        "changed": (version.pk, changes.get("changed", [])),
        "removed": (previous, changes.get("removed", [])),
    }
    out: list[ChangedEntity] = []
    for kind, (version_id, ids) in wanted.items():
        if not ids or version_id is None:
            continue
        refs = dict(
            ListedEntity.objects.filter(version_id=version_id, logical_id__in=ids).values_list(
                "logical_id", "reference"
            )
        )
        out.extend(ChangedEntity(i, refs.get(i, ""), kind) for i in ids)
    return out


def list_versions() -> QuerySet[ListVersion]:
    return ListVersion.objects.order_by("-id")


def get_version(version_id: int) -> ListVersion | None:
    return ListVersion.objects.filter(pk=version_id).first()


def checks_to_export(member_state: str) -> QuerySet[NationalCheck]:
    """The national checks of a member state still waiting for an answer (the command line's
    export: run by the operator of the installation)."""
    return (
        NationalCheck.objects.filter(
            application__member_state_id=member_state, status=CheckStatus.REQUESTED
        )
        .select_related("application", "application__applicant")
        .order_by("deadline", "id")
    )


def member_state_exists(code: str) -> bool:
    return MemberState.objects.filter(code=code).exists()
