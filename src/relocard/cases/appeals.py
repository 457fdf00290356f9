"""Appeals against a refusal or a revocation, decided by a supervisor of the member state.

An appeal is lodged by the holder within the deadline named in the decision (the member
state's ``appeal_days``). A supervisor who did not take the contested decision decides it:
upheld, a refusal is overturned and the case goes back to review; a revocation is undone and
the card is valid again at once. Every step is audited and the holder is told.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relocard.audit.services import audit_record
from relocard.cards.models import CardAction, CardStatus, CardStatusChange
from relocard.cases.models import (
    Appeal,
    AppealStatus,
    Application,
    Decision,
    DecisionOutcome,
    DecisionStatus,
)
from relocard.cases.signals import decision_taken_send
from relocard.cases.steps import case_lock as _lock
from relocard.cases.steps import case_move as _move
from relocard.cases.steps import local_today
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.common.notifications import notify
from relocard.core.workflow import decision_due


def revocation_appeal_deadline(change: CardStatusChange):
    return change.card.member_state.local_date(change.confirmed_at) + timedelta(
        days=change.card.member_state.appeal_days
    )


def appealable(application: Application) -> list[tuple[str, object, object]]:
    """What the holder can still appeal: [(kind, decision or change, deadline)]."""
    today = local_today(application.member_state)
    found = []
    for decision in application.decisions.filter(
        outcome=DecisionOutcome.REFUSE, status=DecisionStatus.CONFIRMED
    ):
        if (
            decision.appeal_deadline
            and decision.appeal_deadline >= today
            and not decision.appeals.exists()
        ):
            found.append(("refusal", decision, decision.appeal_deadline))
    changes = CardStatusChange.objects.filter(
        card__application=application,
        action=CardAction.REVOKE,
        status="confirmed",
        card__status=CardStatus.REVOKED,
    ).select_related("card__member_state")
    for change in changes:
        deadline = revocation_appeal_deadline(change)
        if deadline >= today and not change.appeals.exists():
            found.append(("revocation", change, deadline))
    return found


def appeal_lodge(
    *,
    actor,
    application: Application,
    grounds: str,
    decision: Decision | None = None,
    card_change: CardStatusChange | None = None,
) -> Appeal:
    if not (access.is_applicant(actor) and application.applicant.user_id == actor.pk):
        raise NotAllowed(_("Only the applicant can appeal."))
    grounds = grounds.strip()
    if not grounds:
        raise InvalidInput(
            _("Say why the decision is wrong, criterion by criterion if you can."), field="grounds"
        )
    candidates = [t for _k, t, _d in appealable(application)]
    target = decision or card_change
    if target is None or not any(type(c) is type(target) and c.pk == target.pk for c in candidates):
        raise InvalidState(
            _(
                "This decision can no longer be appealed: the deadline has passed or an appeal exists."
            )
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(
                    application=application,
                    decision=decision,
                    card_change=card_change,
                    grounds=grounds,
                    lodged_by=actor,
                    lodged_at=timezone.now(),
                )
        except IntegrityError as exc:
            raise InvalidState(_("An appeal against this decision exists already.")) from exc
        audit_record(
            actor=actor,
            action="appeal.lodged",
            obj=appeal,
            member_state=application.member_state_id,
            data={
                "case": application.reference,
                "against": "refusal" if decision else "revocation",
            },
        )
    return appeal


def appeal_decide(*, actor, appeal: Appeal, upheld: bool, reason: str) -> Appeal:
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Give the reasons for the appeal decision."), field="reason")
    with transaction.atomic():
        appeal = (
            Appeal.objects.select_for_update(of=("self",))
            .select_related("decision", "card_change__card", "application__member_state")
            .get(pk=appeal.pk)
        )
        if appeal.status != AppealStatus.LODGED:
            raise InvalidState(_("This appeal is already decided."))
        if not access.can_decide_appeal(actor, appeal):
            raise NotAllowed(
                _(
                    "A supervisor of this member state who took no part in the contested decision decides the appeal."
                )
            )
        appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.DISMISSED
        appeal.decided_by, appeal.decided_at, appeal.outcome_reason = actor, timezone.now(), reason
        appeal.save(update_fields=["status", "decided_by", "decided_at", "outcome_reason"])
        app = _lock(appeal.application)
        if upheld and appeal.decision is not None:
            Decision.objects.filter(pk=appeal.decision_id).update(status=DecisionStatus.OVERTURNED)
            app.decided_at = None

            app.decision_due = decision_due(
                local_today(app.member_state), app.member_state.decision_days
            )
            app.save(update_fields=["decided_at", "decision_due"])
            _move(app, "reopen_on_appeal", actor=actor, reason=reason)
        elif upheld:
            card = appeal.card_change.card
            card.status, card.status_changed_at, card.status_reason = (
                CardStatus.ACTIVE,
                timezone.now(),
                reason,
            )
            card.save(update_fields=["status", "status_changed_at", "status_reason"])
            audit_record(
                actor=actor,
                action="card.reinstated_on_appeal",
                obj=card,
                member_state=card.member_state_id,
                data={"appeal": appeal.pk},
            )
        audit_record(
            actor=actor,
            action=f"appeal.{appeal.status}",
            obj=appeal,
            member_state=app.member_state_id,
            data={"case": app.reference},
        )
        decision_taken_send(kind="appeal_decision", application=app, appeal=appeal)
        notify(app.applicant.user, "appeal_decided", app.reference)
    return appeal
