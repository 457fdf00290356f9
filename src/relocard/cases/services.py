"""Every write on a case: start, evidence, submit, review, correct, decide, withdraw.

Each function takes keyword-only arguments, checks the actor's right to act (through
:mod:`relocard.common.access`), runs in one transaction with the case row locked, writes a
history row for every state change and an audit event, and raises a
:class:`relocard.common.errors.RelocardError` (writing nothing) when it cannot act.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relocard.accounts.models import Applicant, User
from relocard.audit.services import audit_record
from relocard.cases import renewal
from relocard.cases.approval import require_approvable
from relocard.cases.duplicates import duplicate_scan
from relocard.cases.facts import EXPIRING_KINDS, FACT_FORMS, clean_facts
from relocard.cases.issuing import identity_snapshot, issue_on_approval
from relocard.cases.models import (
    Application,
    CaseState,
    CaseTransition,
    Channel,
    CorrectionRequest,
    Decision,
    DecisionOutcome,
    DecisionStatus,
    EvidenceItem,
    EvidenceKind,
    EvidenceStatus,
    Stage,
)
from relocard.cases.renewal import interim_after_decision, interim_after_submission
from relocard.cases.selectors import case_precheck
from relocard.cases.signals import application_submitted, decision_taken_send
from relocard.cases.steps import case_facts_refresh, decision_propose, local_today, pending_decision
from relocard.cases.steps import case_lock as _lock
from relocard.cases.steps import case_move as _move
from relocard.cases.steps import require_reviewer as _require_reviewer
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.common.files import check_evidence_file
from relocard.common.notifications import notify
from relocard.core import workflow
from relocard.core.identifiers import new_case_reference
from relocard.presence.models import Trip, TripSource
from relocard.reference.models import MemberState

#: States in which the applicant may add evidence.
EVIDENCE_OPEN_STATES = (CaseState.DRAFT, CaseState.CORRECTION_REQUESTED)


# --- applicant side ------------------------------------------------------------------------


def application_start(
    *, actor: User, applicant: Applicant, member_state_code: str, channel: str = Channel.ONLINE
) -> Application:
    """Open a draft case for ``applicant`` in a member state where the programme runs."""
    if channel == Channel.EMBASSY and not access.can_open_embassy_case(actor):
        raise NotAllowed(_("Only a consular officer can open a case at an embassy."))
    if channel == Channel.ONLINE and applicant.user_id != actor.pk:
        raise NotAllowed(_("You can only apply for yourself."))
    if channel == Channel.EMBASSY and actor.member_state_id != member_state_code:
        raise NotAllowed(_("A consular officer opens cases for their own member state only."))
    member_state = MemberState.objects.filter(
        code=member_state_code, programme_enabled=True
    ).first()
    if member_state is None:
        raise InvalidInput(
            _("The programme does not run in this member state yet."), field="member_state"
        )
    with transaction.atomic():
        if (
            Application.objects.filter(applicant=applicant, member_state=member_state)
            .exclude(state__in=[CaseState.REFUSED, CaseState.WITHDRAWN])
            .exists()
        ):
            raise InvalidInput(
                _("You already have an open application in this member state."),
                field="member_state",
            )
        application = Application(
            reference=new_case_reference(member_state.code),
            applicant=applicant,
            member_state=member_state,
            channel=channel,
            created_by=actor,
        )
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError as exc:  # a concurrent start for the same member state
            raise InvalidInput(
                _("You already have an open application in this member state."),
                field="member_state",
            ) from exc
        CaseTransition.objects.create(
            application=application,
            cycle=1,
            from_state="",
            to_state=CaseState.DRAFT,
            actor=actor,
            at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="case.started",
            obj=application,
            member_state=member_state.code,
            data={"channel": channel},
        )
    return application


def evidence_add(
    *,
    actor: User,
    application: Application,
    kind: str,
    upload,
    facts_data,
    expires_on: date | None = None,
    replaces: EvidenceItem | None = None,
) -> EvidenceItem:
    """Store an uploaded document with the facts it supports (checked before anything is written).

    ``replaces``: a rejected document of this card year that the new one replaces while a
    correction is open (of the same kind, replaced once; the rejected one stays on record).
    """
    if not access.can_act_for_applicant(actor, application):
        raise NotAllowed(_("You cannot add documents to this case."))
    if kind not in EvidenceKind.values:
        raise InvalidInput(_("Choose the type of document."), field="kind")
    facts, form = clean_facts(kind, facts_data, prefix=kind)
    if form.errors:
        first_field, errors = next(iter(form.errors.items()))
        raise InvalidInput(
            f"{form.fields[first_field].label}: {errors[0]}", field=f"{kind}-{first_field}"
        )
    if (
        kind in EXPIRING_KINDS
        and expires_on is not None
        and expires_on < local_today(application.member_state)
    ):
        raise InvalidInput(
            _("This document has already expired. Upload a valid one."), field="expires_on"
        )
    checked = check_evidence_file(upload)
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[
        checked.content_type
    ]
    item = EvidenceItem(
        kind=kind,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        declared=facts,
        expires_on=expires_on if kind in EXPIRING_KINDS else None,
        uploaded_by=actor,
    )
    # A random file name: the original name may contain the person's name.
    item.file.save(f"{secrets.token_hex(16)}.{extension}", ContentFile(checked.content), save=False)
    try:
        with transaction.atomic():
            app = _lock(application)
            if app.state not in EVIDENCE_OPEN_STATES:
                raise InvalidState(
                    _(
                        "Documents can be added while the application is a draft or a correction is requested."
                    )
                )
            item.application = app
            item.cycle = app.cycle
            item.uploaded_at = timezone.now()
            if replaces is not None:
                item.replaces = _replaceable(app, replaces, kind)
            try:
                with transaction.atomic():
                    item.save()
            except IntegrityError as exc:  # replaced at the same moment by another upload
                raise InvalidInput(not_replaceable_message(), field="replaces") from exc
            audit_record(
                actor=actor,
                action="evidence.added",
                obj=item,
                member_state=app.member_state_id,
                data={
                    "case": app.reference,
                    "kind": kind,
                    "sha256": checked.sha256,
                    "size": checked.size,
                    **({"replaces": item.replaces_id} if item.replaces_id else {}),
                },
            )
    except BaseException:
        item.file.delete(save=False)  # nothing half-written: no file without its record
        raise
    return item


def not_replaceable_message() -> str:
    return _(
        "This document cannot be replaced: only a rejected document of this application can be, "
        "by one of the same kind, while a correction is requested."
    )


def _replaceable(app: Application, old: EvidenceItem, kind: str) -> EvidenceItem:
    """The rejected document ``old`` locked for replacement, or :class:`InvalidInput`."""
    locked = EvidenceItem.objects.select_for_update().filter(pk=old.pk).first()
    if (
        locked is None
        or app.state != CaseState.CORRECTION_REQUESTED
        or locked.application_id != app.pk
        or locked.cycle != app.cycle
        or locked.status != EvidenceStatus.REJECTED
        or locked.kind != kind
        or EvidenceItem.objects.filter(replaces=locked).exists()
    ):
        raise InvalidInput(not_replaceable_message(), field="replaces")
    return locked


def evidence_remove(*, actor: User, evidence: EvidenceItem) -> None:
    """Remove a document from a draft (nothing filed yet); filed documents stay on record."""
    application = evidence.application
    if not access.can_act_for_applicant(actor, application):
        raise NotAllowed(_("You cannot remove documents from this case."))
    with transaction.atomic():
        app = _lock(application)
        if app.state != CaseState.DRAFT or evidence.cycle != app.cycle:
            raise InvalidState(
                _("Documents can only be removed before the application is submitted.")
            )
        if app.transitions.filter(
            cycle=evidence.cycle, to_state=CaseState.SUBMITTED, at__gte=evidence.uploaded_at
        ).exists():  # filed with a renewal that was withdrawn: stays on record
            raise InvalidState(
                _("This document was filed with an earlier submission and stays on record.")
            )
        sha = evidence.sha256
        pk = evidence.pk
        name = evidence.file.name
        evidence.delete()
        audit_record(
            actor=actor,
            action="evidence.removed",
            object_type="cases.evidenceitem",
            object_id=pk,
            member_state=app.member_state_id,
            data={"case": app.reference, "sha256": sha},
        )
        if not EvidenceItem.objects.filter(file=name).exists():  # carried-over copies share files
            storage = evidence.file.storage
            transaction.on_commit(lambda: storage.delete(name))


def application_submit(*, actor: User, application: Application, token: str) -> Application:
    """File the application. Idempotent: the same form token twice makes one submission."""
    if not access.can_act_for_applicant(actor, application):
        raise NotAllowed(_("You cannot submit this application."))
    if not token:
        raise InvalidInput(_("The form has expired. Reload the page and submit again."))
    with transaction.atomic():
        app = _lock(application)
        if app.last_submission_token == token:
            return app  # a double click or a replayed request: already done
        if (
            app.state == CaseState.DRAFT
            and not app.evidence.filter(kind=EvidenceKind.PASSPORT).exists()
        ):
            raise InvalidInput(_("Upload a copy of your passport before you submit."), field="kind")
        now = timezone.now()
        app.submitted_at = now
        app.decision_due = workflow.decision_due(
            local_today(app.member_state), app.member_state.decision_days
        )
        app.last_submission_token = token
        _move(app, "submit", actor=actor)
        if app.stage == Stage.ISSUANCE:
            duplicate_scan(app)
        if app.stage == Stage.RENEWAL:
            interim_after_submission(app)
        application_submitted.send(sender=Application, application=app)
        # The applicant is told it arrived (safe mode: only "a new message"); a walk-in case
        # not linked to an account yet has no one to tell.
        notify(app.applicant.user, "submitted", app.reference)
    return app


def application_resubmit(
    *, actor: User, application: Application, answer: str, token: str
) -> Application:
    """The applicant answers a correction request; the decision clock restarts."""
    if not access.can_act_for_applicant(actor, application):
        raise NotAllowed(_("You cannot answer correction requests on this application."))
    if not token:
        raise InvalidInput(_("The form has expired. Reload the page and submit again."))
    with transaction.atomic():
        app = _lock(application)
        if app.last_submission_token == token:
            return app
        request = app.corrections.filter(answered_at__isnull=True).order_by("-requested_at").first()
        if app.state == CaseState.CORRECTION_REQUESTED and request is not None:
            missing = correction_missing_kinds(app, request)
            if missing:
                raise InvalidInput(
                    _("Upload the documents asked for before you answer: %(kinds)s.")
                    % {"kinds": ", ".join(str(EvidenceKind(k).label) for k in missing)},
                    field="kind",
                )
        now = timezone.now()
        if app.decision_due and app.clock_paused_at:
            paused_on = app.member_state.local_date(app.clock_paused_at)
            app.decision_due = workflow.extend_for_pause(
                app.decision_due, paused_on, local_today(app.member_state)
            )
        app.clock_paused_at = None
        app.last_submission_token = token
        _move(app, "resubmit", actor=actor, reason=answer.strip())
        if request is not None:
            request.answered_at = now
            request.answer = answer.strip()
            request.save(update_fields=["answered_at", "answer"])
    return app


def correction_missing_kinds(application: Application, request: CorrectionRequest) -> list[str]:
    """The document kinds a correction request asks for that have no upload since it was made."""
    uploaded = set(
        application.evidence.filter(
            cycle=application.cycle, uploaded_at__gte=request.requested_at
        ).values_list("kind", flat=True)
    )
    return [kind for kind in request.kinds if kind not in uploaded]


def application_withdraw(*, actor: User, application: Application, reason: str = "") -> Application:
    """Withdraw the application; a renewal withdrawn while its card is in force withdraws the
    renewal only (see :func:`relocard.cases.renewal.renewal_withdraw`)."""
    if not access.can_act_for_applicant(actor, application):
        raise NotAllowed(_("You cannot withdraw this application."))
    with transaction.atomic():
        app = _lock(application)
        if renewal.card_kept_on_withdrawal(app) is not None:
            renewal.renewal_withdraw(app, actor=actor, reason=reason)
            return app
        app.clock_paused_at = None
        _move(app, "withdraw", actor=actor, reason=reason.strip())
    return app


# --- caseworker side -----------------------------------------------------------------------


def application_start_review(*, actor: User, application: Application, version: int) -> Application:
    _require_reviewer(actor, application)
    with transaction.atomic():
        app = _lock(application, version)
        _move(app, "start_review", actor=actor)
    return app


def evidence_review(
    *, actor: User, evidence: EvidenceItem, status: str, facts_data=None, note: str = ""
) -> EvidenceItem:
    """Mark a document verified (with the facts it proves, possibly corrected) or rejected."""
    application = evidence.application
    _require_reviewer(actor, application)
    if status not in (EvidenceStatus.VERIFIED, EvidenceStatus.REJECTED):
        raise InvalidInput(
            _("Choose whether the document is verified or rejected."), field="status"
        )
    facts: dict = {}
    if status == EvidenceStatus.VERIFIED and FACT_FORMS[evidence.kind].base_fields:
        facts, form = clean_facts(evidence.kind, facts_data, prefix=f"review-{evidence.pk}")
        if form.errors:
            first_field, errors = next(iter(form.errors.items()))
            raise InvalidInput(f"{form.fields[first_field].label}: {errors[0]}")
    if status == EvidenceStatus.REJECTED and not note.strip():
        raise InvalidInput(
            _("Say why the document is rejected: the applicant will read it."), field="note"
        )
    with transaction.atomic():
        app = _lock(application)
        if app.state != CaseState.IN_REVIEW:
            raise InvalidState(_("Documents are checked while the case is in review."))
        item = EvidenceItem.objects.select_for_update().get(pk=evidence.pk)
        item.status = status
        item.verified_facts = facts
        item.reviewed_by = actor
        item.reviewed_at = timezone.now()
        item.review_note = note.strip()
        item.save(
            update_fields=["status", "verified_facts", "reviewed_by", "reviewed_at", "review_note"]
        )
        case_facts_refresh(application=app, cycle=item.cycle)
        if item.kind == EvidenceKind.TRAVEL:
            verified = status == EvidenceStatus.VERIFIED
            source = TripSource.EVIDENCE if verified else TripSource.DECLARED
            Trip.objects.filter(evidence=item).update(source=source)
        audit_record(
            actor=actor,
            action=f"evidence.{status}",
            obj=item,
            member_state=app.member_state_id,
            data={
                "case": app.reference,
                "kind": item.kind,
                "corrected": facts != item.declared and bool(facts),
            },
        )
    return item


def correction_request(
    *, actor: User, application: Application, message: str, kinds: list[str], version: int
) -> CorrectionRequest:
    _require_reviewer(actor, application)
    message = message.strip()
    if not message:
        raise InvalidInput(_("Tell the applicant what to correct or add."), field="message")
    unknown = [k for k in kinds if k not in EvidenceKind.values]
    if unknown:
        raise InvalidInput(_("Unknown document type."), field="kinds")
    with transaction.atomic():
        app = _lock(application, version)
        app.clock_paused_at = timezone.now()
        _move(app, "request_correction", actor=actor, reason=message)
        request = CorrectionRequest.objects.create(
            application=app,
            cycle=app.cycle,
            requested_by=actor,
            requested_at=app.clock_paused_at,
            message=message,
            kinds=kinds,
        )
        notify(app.applicant.user, "correction_requested", app.reference)
    return request


def _evaluation_snapshot(application: Application) -> dict:
    precheck = case_precheck(application=application)
    return precheck.to_dict() if precheck is not None else {}


def application_approve(
    *, actor: User, application: Application, version: int, summary: str = ""
) -> Decision:
    """Approve the case and issue the card. One caseworker's approval suffices when nothing
    blocks it (:mod:`relocard.cases.approval`: every criterion met on verified evidence);
    otherwise the approval needs an exception and a supervisor (``approval_propose``)."""
    _require_reviewer(actor, application)
    with transaction.atomic():
        app = _lock(application, version)
        evaluation = require_approvable(app)
        now = timezone.now()
        app.decided_at = now
        _move(app, "approve", actor=actor, reason=summary.strip())
        decision = Decision.objects.create(
            application=app,
            cycle=app.cycle,
            stage=app.stage,
            outcome=DecisionOutcome.APPROVE,
            status=DecisionStatus.CONFIRMED,
            proposed_by=actor,
            proposed_at=now,
            confirmed_by=actor,
            confirmed_at=now,
            summary=summary.strip(),
            evaluation=evaluation.to_dict(),
            identity=identity_snapshot(app),
        )
        audit_record(
            actor=actor,
            action="decision.approved",
            obj=decision,
            member_state=app.member_state_id,
            data={"case": app.reference, "policy": decision.evaluation.get("policy", {})},
        )
        issue_on_approval(actor=actor, application=app, decision=decision)
    return decision


def refusal_propose(
    *, actor: User, application: Application, reasons: dict[str, str], summary: str, version: int
) -> Decision:
    """A caseworker proposes a refusal: one reason per failed criterion; a supervisor confirms."""
    _require_reviewer(actor, application)
    reasons = {k: v.strip() for k, v in reasons.items() if v and v.strip()}
    if not reasons:
        raise InvalidInput(
            _("Give the reason for at least one criterion that is not met."), field="reasons"
        )
    with transaction.atomic():
        app = _lock(application, version)
        _move(app, "propose_refusal", actor=actor, reason=summary.strip())
        decision = decision_propose(
            app,
            actor=actor,
            outcome=DecisionOutcome.REFUSE,
            audit_action="decision.refusal_proposed",
            audit_data={"criteria": sorted(reasons)},
            reasons=reasons,
            summary=summary.strip(),
            evaluation=_evaluation_snapshot(app),
        )
    return decision


def _pending_refusal(app: Application) -> Decision:
    return pending_decision(
        app,
        DecisionOutcome.REFUSE,
        missing=_("There is no refusal waiting for confirmation on this case."),
    )


def refusal_confirm(*, actor: User, application: Application, version: int) -> Decision:
    """A supervisor, who did not propose it, confirms the refusal; the appeal clock starts."""
    with transaction.atomic():
        app = _lock(application, version)
        decision = _pending_refusal(app)
        if not access.can_confirm_refusal(actor, app, decision):
            raise NotAllowed(
                _(
                    "A supervisor of this member state, other than the caseworker who proposed it, must confirm a refusal."
                )
            )
        now = timezone.now()
        decision.status = DecisionStatus.CONFIRMED
        decision.confirmed_by = actor
        decision.confirmed_at = now
        decision.appeal_deadline = local_today(app.member_state) + timedelta(
            days=app.member_state.appeal_days
        )
        decision.identity = identity_snapshot(app)
        decision.save(
            update_fields=["status", "confirmed_by", "confirmed_at", "appeal_deadline", "identity"]
        )
        app.decided_at = now
        _move(app, "confirm_refusal", actor=actor)
        if app.stage == Stage.RENEWAL:
            interim_after_decision(app)
        audit_record(
            actor=actor,
            action="decision.refusal_confirmed",
            obj=decision,
            member_state=app.member_state_id,
            data={"case": app.reference, "appeal_deadline": decision.appeal_deadline},
        )
        decision_taken_send(
            kind="renewal_refusal" if app.stage == Stage.RENEWAL else "refusal",
            application=app,
            decision=decision,
        )
        notify(app.applicant.user, "refused", app.reference)
    return decision


def refusal_return(*, actor: User, application: Application, reason: str, version: int) -> Decision:
    """The supervisor sends a proposed refusal back to review, saying why."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the refusal goes back to review."), field="reason")
    with transaction.atomic():
        app = _lock(application, version)
        decision = _pending_refusal(app)
        if not access.can_confirm_refusal(actor, app, decision):
            raise NotAllowed(
                _(
                    "Only a supervisor of this member state, other than the proposer, can return a refusal."
                )
            )
        decision.status = DecisionStatus.RETURNED
        decision.return_reason = reason
        decision.save(update_fields=["status", "return_reason"])
        _move(app, "return_refusal", actor=actor, reason=reason)
        audit_record(
            actor=actor,
            action="decision.refusal_returned",
            obj=decision,
            member_state=app.member_state_id,
            data={"case": app.reference},
        )
    return decision


# --- audited reads -------------------------------------------------------------------------


def case_viewed(*, actor: User, application: Application) -> None:
    """Record that a staff member opened a person's case (every staff view is audited)."""
    if access.is_applicant(actor):
        return
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="case.viewed",
            obj=application,
            member_state=application.member_state_id,
        )


def evidence_viewed(*, actor: User, evidence: EvidenceItem, download: bool) -> None:
    if access.is_applicant(actor):
        return
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="evidence.downloaded" if download else "evidence.viewed",
            obj=evidence,
            member_state=evidence.application.member_state_id,
            data={"case": evidence.application.reference},
        )
