"""Reads of cases that are more than a get: queues, estimates, the pre-check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from relocard.cards.models import Card
from relocard.cases.models import (
    PENDING_STATES,
    Application,
    CaseState,
    Decision,
    DecisionOutcome,
    DecisionStatus,
    EvidenceItem,
    EvidenceKind,
    EvidenceStatus,
    Stage,
)
from relocard.common import access
from relocard.core import rules
from relocard.core.evidence import CRITERION_KINDS, VerifiedEvidence, facts_from_evidence
from relocard.core.rules import Evaluation
from relocard.core.workflow import percentile
from relocard.presence.selectors import presence_for_card, residence_facts

#: The queue flags cases whose deadline is this close (days) or past.
DEADLINE_WARNING_DAYS = 14
QUEUE_SORTS = {
    "deadline": (
        F("decision_due").asc(nulls_last=True),
        F("submitted_at").asc(nulls_last=True),
        "id",
    ),
    "-deadline": (
        F("decision_due").desc(nulls_last=True),
        F("submitted_at").desc(nulls_last=True),
        "-id",
    ),
    "submitted": (F("submitted_at").asc(nulls_last=True), "id"),
    "-submitted": (F("submitted_at").desc(nulls_last=True), "-id"),
}


def staff_queue(*, user, state: str | None = None, sort: str = "deadline") -> QuerySet[Application]:
    """The cases a staff member may see, filtered by state, in a fixed number of queries."""
    qs = access.staff_cases(user)  # the page shows the member state's code: no join
    if state == "all":
        qs = qs.exclude(state=CaseState.DRAFT)  # drafts are the applicant's own until filed
    elif state:
        qs = qs.filter(state=state)
    else:
        qs = qs.filter(state__in=[*PENDING_STATES, CaseState.CORRECTION_REQUESTED])
    return qs.order_by(*QUEUE_SORTS.get(sort, QUEUE_SORTS["deadline"]))


def deadline_flag(application: Application, today: date) -> str:
    """'overdue', 'soon', 'paused' or '' for the queue's deadline column.

    'paused': a correction is awaited, so the clock stands still and the date shown moves
    later by the days the applicant takes (it cannot be overdue or due soon meanwhile).
    """
    if application.state == CaseState.CORRECTION_REQUESTED and application.clock_paused_at:
        return "paused"
    if application.decision_due is None or application.state not in PENDING_STATES:
        return ""
    if application.decision_due < today:
        return "overdue"
    if application.decision_due <= today + timedelta(days=DEADLINE_WARNING_DAYS):
        return "soon"
    return ""


#: The processing-time estimate looks at the decisions of this many days (the same window as
#: the statistics page, so that the two never disagree: the estimate once looked at 30 days,
#: and a member state with 11 decisions in 90 days, few of them in the last 30, showed none).
ESTIMATE_WINDOW_DAYS = 90
#: Fewer decisions than this give no estimate: a 90th percentile of two cases would mislead.
ESTIMATE_MIN_DECISIONS = 5


@dataclass(frozen=True, slots=True)
class ProcessingEstimate:
    days: int | None
    sample: int
    window_days: int = ESTIMATE_WINDOW_DAYS
    minimum: int = ESTIMATE_MIN_DECISIONS


def processing_estimate(
    *, member_state_code: str, window_days: int = ESTIMATE_WINDOW_DAYS
) -> ProcessingEstimate:
    """The 90th percentile of days from submission to decision, over the window's decisions.

    Honest by construction: computed from real decisions only; with fewer than
    :data:`ESTIMATE_MIN_DECISIONS` decisions there is no estimate, and the page says how many
    there were and how many it needs. Cached for 10 minutes.
    """
    key = f"estimate:{member_state_code}:{window_days}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    since = timezone.now() - timedelta(days=window_days)
    rows = Application.objects.filter(
        member_state_id=member_state_code,
        decided_at__gte=since,
        submitted_at__isnull=False,
        state__in=[CaseState.APPROVED, CaseState.REFUSED],
    ).values_list("submitted_at", "decided_at")
    durations = [max((decided - submitted).days, 0) for submitted, decided in rows]
    enough = len(durations) >= ESTIMATE_MIN_DECISIONS
    p90 = percentile(durations, 0.9) if enough else None
    estimate = ProcessingEstimate(
        days=None if p90 is None else int(p90), sample=len(durations), window_days=window_days
    )
    cache.set(key, estimate, 600)
    return estimate


def case_history(application: Application):
    return application.transitions.select_related("actor").order_by("at", "id")


def case_evidence(application: Application) -> list[EvidenceItem]:
    return list(
        application.evidence.select_related("reviewed_by", "replaced_by").order_by(
            "uploaded_at", "id"
        )
    )


def cycle_evidence(application: Application) -> list[EvidenceItem]:
    """This card year's documents, oldest first (earlier years' stay on record for staff)."""
    return [item for item in case_evidence(application) if item.cycle == application.cycle]


def pending_refusal(application: Application):
    return (
        application.decisions.filter(
            cycle=application.cycle, status=DecisionStatus.PROPOSED, outcome=DecisionOutcome.REFUSE
        )
        .select_related("proposed_by")
        .first()
    )


@dataclass(frozen=True)
class CycleDecisions:
    """The decisions of the case's card year that its page shows: a refusal and an approval
    awaiting the second caseworker, and the confirmed decision."""

    pending_refusal: Decision | None
    pending_approval: Decision | None
    final: Decision | None


def cycle_decisions(application: Application) -> CycleDecisions:
    """:func:`pending_refusal`, :func:`final_decision` and the pending approval in one query
    (each the first by the model's order, as those pick it)."""
    found = list(
        application.decisions.filter(
            cycle=application.cycle,
            status__in=(DecisionStatus.PROPOSED, DecisionStatus.CONFIRMED),
        ).select_related("proposed_by", "confirmed_by")
    )

    def first(status, outcome=None):
        return next(
            (d for d in found if d.status == status and (outcome is None or d.outcome == outcome)),
            None,
        )

    return CycleDecisions(
        pending_refusal=first(DecisionStatus.PROPOSED, DecisionOutcome.REFUSE),
        pending_approval=first(DecisionStatus.PROPOSED, DecisionOutcome.APPROVE),
        final=first(DecisionStatus.CONFIRMED),
    )


def final_decision(application: Application):
    return (
        application.decisions.filter(cycle=application.cycle, status=DecisionStatus.CONFIRMED)
        .select_related("proposed_by", "confirmed_by")
        .first()
    )


def verified_facts(
    application: Application, *, on: date, evidence: list[EvidenceItem] | None = None
) -> dict:
    """The rules' FACTS from the case's verified evidence (unverified evidence counts for nothing).

    ``evidence``: the case's documents as :func:`case_evidence` reads them, for a page that
    has them already (the caseworker's case page); without it they are read here. Either way
    the same documents count, in the same order: this card year's verified ones, oldest first.
    """
    if evidence is None:
        items = application.evidence.filter(
            status=EvidenceStatus.VERIFIED, cycle=application.cycle
        ).order_by("uploaded_at", "id")
    else:
        items = [
            i
            for i in evidence
            if i.status == EvidenceStatus.VERIFIED and i.cycle == application.cycle
        ]
    facts = facts_from_evidence(
        (
            VerifiedEvidence(kind=i.kind, facts=i.verified_facts, expires_on=i.expires_on, order=n)
            for n, i in enumerate(items)
        ),
        on=on,
    )
    return facts


def case_precheck(
    *, application: Application, on: date | None = None, evidence: list[EvidenceItem] | None = None
) -> Evaluation:
    """The rules engine's evaluation of the case's stage from its verified evidence.

    Unverified or expired evidence counts for nothing: the criterion that needs it is then
    "unknown", with an explanation saying what verified evidence is missing. At renewal the
    presence over the card year (worst case, planned trips included) and the exceptions a
    caseworker accepted feed the residence criterion.
    """
    day = on or application.member_state.today()
    facts = verified_facts(application, on=day, evidence=evidence)
    exceptions = []
    if application.stage == Stage.RENEWAL:
        card = renewal_card(application)
        if card is not None:
            facts.update(residence_facts(presence_for_card(card, as_of=day)))
        exceptions = rules_exceptions(application)
    return rules.evaluate(
        country=application.member_state_id,
        stage=application.stage,
        facts=facts,
        on=day,
        exceptions=exceptions,
    )


def declared_shortfalls(
    application: Application, evidence: list[EvidenceItem]
) -> list[rules.CriterionResult]:
    """What we will check: the criteria that the documents as the applicant described them
    already fall short of (an ISCED 5 degree, a certificate in a language the rules do not
    accept), worded as declared, for the page before submission. ``evidence``: this card
    year's documents (:func:`cycle_evidence`); a rejected one counts for nothing. Criteria
    without a declared fact are not listed here: the document checklist asks for them."""
    facts = facts_from_evidence(
        (
            VerifiedEvidence(kind=i.kind, facts=i.declared or {}, expires_on=None, order=n)
            for n, i in enumerate(evidence)
            if i.status != EvidenceStatus.REJECTED
        ),
        on=application.member_state.today(),
    )
    try:
        evaluation = rules.evaluate(
            country=application.member_state_id,
            stage=application.stage,
            facts=facts,
            on=application.member_state.today(),
            declared=True,
        )
    except rules.RulesInputError:
        return []  # a declaration the rules cannot read: the caseworker checks the document
    return list(evaluation.not_met)


def open_case_exists(*, applicant, member_state_code: str) -> bool:
    return (
        Application.objects.filter(Q(applicant=applicant) & Q(member_state_id=member_state_code))
        .exclude(state__in=[CaseState.REFUSED, CaseState.WITHDRAWN])
        .exists()
    )


def refusal_reasons(evaluation: Evaluation, lang: str) -> dict[str, str]:
    """A reason for every criterion the evaluation finds not met: its explanation, in
    ``lang`` (any interface language). The refusal form starts from these."""
    return {c.id: c.explanation.get(lang) for c in evaluation.not_met}


@dataclass(frozen=True, slots=True)
class ChecklistRow:
    """One criterion of the case's stage and whether a document that can prove it is there."""

    criterion: str
    title: str
    kinds: tuple[str, ...]  # the documents' names, in the reader's language
    uploaded: bool


def document_checklist(
    application: Application, evidence: list[EvidenceItem]
) -> list[ChecklistRow]:
    """What the applicant must upload for the criteria of the case's stage, from the same
    rules the pre-check evaluates. ``evidence``: this card year's documents
    (:func:`cycle_evidence`); a rejected one does not count. Whether a document proves its
    criterion is the caseworker's check, shown by the pre-check once the case is filed."""
    have = {item.kind for item in evidence if item.status != EvidenceStatus.REJECTED}
    names = dict(EvidenceKind.choices)
    return [
        ChecklistRow(cid, title, tuple(str(names[k]) for k in kinds), bool(have & set(kinds)))
        for cid, title in criteria_labels(application)
        if (kinds := CRITERION_KINDS.get(cid))
    ]


def criteria_labels(application: Application) -> list[tuple[str, str]]:
    """The criteria of the case's stage with titles in the current language (refusal form)."""
    lang = get_language() or "en"
    criteria = rules.criteria_for(
        application.member_state_id, application.stage, on=application.member_state.today()
    )
    return [(c.id, c.title.render(lang)) for c in criteria]


# --- renewal reads (used by the renewal services and the pre-check) -------------------------


def renewal_card(application: Application) -> Card | None:
    """The card a renewal cycle renews: the newest card of an earlier cycle."""
    return (
        application.cards.filter(cycle__lt=application.cycle)
        .order_by("-cycle", "-valid_from")
        .first()
    )


def rules_exceptions(application: Application) -> list[rules.AcceptedException]:
    """The cycle's accepted exceptions in the rules engine's terms (named in explanations)."""
    return [
        rules.AcceptedException(
            kind=e.kind,
            days=e.days,
            accepted_by=e.accepted_by.email,
            reason=e.reason,
            accepted_on=e.accepted_at.date(),
        )
        for e in application.exceptions.filter(cycle=application.cycle).select_related(
            "accepted_by"
        )
    ]
