"""The steps every case service is made of: lock, move through the workflow, check the
reviewer, refresh the flat facts, read the member state's date.

Public so that the services of :mod:`relocard.cases.services`, :mod:`~relocard.cases.renewal`,
:mod:`~relocard.cases.appeals` and :mod:`~relocard.cases.transfers` share them without
importing each other's private helpers. None of them opens a transaction: the caller's service
does, and locks the case first with :func:`case_lock`.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relocard.accounts.models import User
from relocard.audit.services import audit_record
from relocard.cases.models import (
    Application,
    CaseFacts,
    CaseState,
    CaseTransition,
    Decision,
    DecisionStatus,
    EvidenceStatus,
)
from relocard.common import access
from relocard.common.errors import InvalidState, NotAllowed, StaleObject
from relocard.core import workflow
from relocard.core.evidence import VerifiedEvidence, facts_from_evidence
from relocard.reference.models import MemberState

__all__ = [
    "case_facts_refresh",
    "case_lock",
    "case_move",
    "decision_propose",
    "local_today",
    "pending_decision",
    "require_reviewer",
    "touched_fields",
]


def local_today(member_state: MemberState) -> date:
    """Today's date in the member state (:meth:`MemberState.today`)."""
    return member_state.today()


def case_lock(application: Application, version: int | None = None) -> Application:
    """Re-read the case with its row locked; refuse if the form was loaded before a change."""
    locked = (
        # Only the case's row: PostgreSQL refuses FOR UPDATE on the nullable side of the outer
        # join to a walk-in's applicant that no account has linked yet.
        Application.objects.select_for_update(of=("self",))
        .select_related("member_state", "applicant", "applicant__user")
        .get(pk=application.pk)
    )
    if version is not None and locked.version != version:
        raise StaleObject(
            _(
                "This case was changed by someone else since you opened it. "
                "Nothing was saved: read its current state below and act again if still needed."
            )
        )
    return locked


def case_move(
    application: Application, action: str, *, actor: User | None, reason: str = ""
) -> None:
    """Apply one workflow move to a locked case: state, version, history row and audit event."""
    old = application.state
    try:
        new = workflow.next_state(old, action)
    except workflow.TransitionError as exc:
        raise InvalidState(
            _("This is not possible while the case is “%(state)s”.")
            % {"state": CaseState(old).label}
        ) from exc
    application.state = new
    application.version += 1
    application.save(update_fields=["state", "version", *touched_fields(application, action)])
    CaseTransition.objects.create(
        application=application,
        cycle=application.cycle,
        from_state=old,
        to_state=new,
        actor=actor,
        at=timezone.now(),
        reason=reason,
    )
    audit_record(
        actor=actor,
        action=f"case.{action}",
        obj=application,
        member_state=application.member_state_id,
        data={"from": old, "to": new, "cycle": application.cycle},
    )


def touched_fields(application: Application, action: str) -> list[str]:
    return {
        "submit": ["submitted_at", "decision_due", "last_submission_token"],
        "request_correction": ["clock_paused_at"],
        "resubmit": ["clock_paused_at", "decision_due", "last_submission_token"],
        "approve": ["decided_at"],
        "confirm_refusal": ["decided_at"],
        "withdraw": ["clock_paused_at"],
        "withdraw_renewal": ["clock_paused_at"],
    }.get(action, [])


def require_reviewer(actor: User, application: Application) -> None:
    if not access.can_review(actor, application):
        raise NotAllowed(_("Only a caseworker or supervisor of this member state can do this."))


# --- facts kept flat for bulk runs ------------------------------------------------------------


def case_facts_refresh(*, application: Application, cycle: int) -> CaseFacts:
    """Recompute the flat facts row of a case's cycle from its verified evidence.

    Expired evidence is included here (the row carries the earliest expiry, so that the nightly
    run can tell the holder to renew it); the live pre-check leaves expired evidence out.
    """
    items = list(
        application.evidence.filter(status=EvidenceStatus.VERIFIED, cycle=cycle).order_by(
            "uploaded_at", "id"
        )
    )
    facts = facts_from_evidence(
        (
            VerifiedEvidence(kind=i.kind, facts=i.verified_facts, order=n)
            for n, i in enumerate(items)
        ),
        on=date.min,
    )
    languages = facts.get("languages")
    housing = facts.get("housing", {})
    expiries = [i.expires_on for i in items if i.expires_on is not None]
    row, _created = CaseFacts.objects.update_or_create(
        application=application,
        cycle=cycle,
        defaults={
            "nationality": facts.get("nationality", ""),
            "isced_level": facts.get("education", {}).get("isced_level"),
            "languages": ""
            if languages is None
            else ";".join(f"{x['language']}:{x['cefr']}" for x in languages),
            "employment": facts.get("employment", ""),
            "housing_tenure": housing.get("tenure", ""),
            "housing_country": housing.get("country", ""),
            "liquid_assets_eur": facts.get("liquid_assets_eur"),
            "expires_on": min(expiries) if expiries else None,
        },
    )
    return row


# --- decisions that wait for a second person (four eyes) ------------------------------------


def decision_propose(
    application: Application,
    *,
    actor: User,
    outcome: str,
    audit_action: str,
    audit_data: dict,
    **fields,
) -> Decision:
    """Record a proposed decision on a locked case (refusal, or approval with exceptions) and
    its audit event; StaleObject when another decision is already pending (a DB constraint)."""
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                application=application,
                cycle=application.cycle,
                stage=application.stage,
                outcome=outcome,
                status=DecisionStatus.PROPOSED,
                proposed_by=actor,
                proposed_at=timezone.now(),
                **fields,
            )
    except IntegrityError as exc:
        raise StaleObject(_("Another decision on this case is already pending.")) from exc
    audit_record(
        actor=actor,
        action=audit_action,
        obj=decision,
        member_state=application.member_state_id,
        data={"case": application.reference, **audit_data},
    )
    return decision


def pending_decision(application: Application, outcome: str, *, missing: str) -> Decision:
    """The locked proposed decision of this outcome in the case's year; ``missing`` is the
    InvalidState message when there is none."""
    decision = (
        application.decisions.select_for_update()
        .filter(cycle=application.cycle, status=DecisionStatus.PROPOSED, outcome=outcome)
        .first()
    )
    if decision is None:
        raise InvalidState(missing)
    return decision
