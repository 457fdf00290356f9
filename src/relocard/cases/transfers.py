"""Moving to another member state: the holder asks, that state's caseworkers take the case.

The case keeps its history; on acceptance it belongs to the new member state, the old card is
revoked as replaced (the status list says so at once) and the new state issues a card for the
rest of the card year.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relocard.audit.services import audit_record
from relocard.cards.models import CardStatus
from relocard.cards.services import card_issue
from relocard.cases.models import (
    Application,
    CaseState,
    CaseTransition,
    TransferRequest,
    TransferStatus,
)
from relocard.cases.renewal import card_in_force
from relocard.cases.steps import case_lock as _lock
from relocard.cases.steps import local_today
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.common.notifications import notify
from relocard.reference.models import MemberState


def transfer_request(*, actor, application: Application, to_state_code: str) -> TransferRequest:
    if not (access.is_applicant(actor) and application.applicant.user_id == actor.pk):
        raise NotAllowed(_("Only the card holder can ask for a transfer."))
    target = MemberState.objects.filter(code=to_state_code, programme_enabled=True).first()
    if target is None or target.code == application.member_state_id:
        raise InvalidInput(_("Choose another country where the programme runs."), field="to_state")
    with transaction.atomic():
        app = _lock(application)
        card = card_in_force(app)
        if app.state != CaseState.APPROVED or card is None or card.status != CardStatus.ACTIVE:
            raise InvalidState(_("A transfer needs an approved case with an active card."))
        if (
            Application.objects.filter(applicant=app.applicant, member_state=target)
            .exclude(state__in=[CaseState.REFUSED, CaseState.WITHDRAWN])
            .exists()
        ):
            raise InvalidInput(
                _("You already have an open case in that country."), field="to_state"
            )
        try:
            with transaction.atomic():
                transfer = TransferRequest.objects.create(
                    application=app,
                    from_state=app.member_state,
                    to_state=target,
                    requested_by=actor,
                    requested_at=timezone.now(),
                )
        except IntegrityError as exc:
            raise InvalidState(_("A transfer request is already open for this case.")) from exc
        audit_record(
            actor=actor,
            action="transfer.requested",
            obj=transfer,
            member_state=app.member_state_id,
            data={"case": app.reference, "to": target.code},
        )
    return transfer


def _require_target_staff(actor, transfer: TransferRequest) -> None:
    if not access.can_decide_transfer(actor, transfer):
        raise NotAllowed(_("Caseworkers of the receiving member state decide a transfer."))


def transfer_accept(*, actor, transfer: TransferRequest) -> TransferRequest:
    with transaction.atomic():
        transfer = TransferRequest.objects.select_for_update().get(pk=transfer.pk)
        _require_target_staff(actor, transfer)
        if transfer.status != TransferStatus.REQUESTED:
            raise InvalidState(_("This transfer is already decided."))
        app = _lock(transfer.application)
        old_card = card_in_force(app)
        if app.state != CaseState.APPROVED or old_card is None:
            raise InvalidState(
                _("The case no longer has a card in force: the transfer cannot go ahead.")
            )
        now = timezone.now()
        old_state = app.member_state_id
        app.member_state = transfer.to_state
        app.version += 1
        try:
            with transaction.atomic():
                app.save(update_fields=["member_state", "version"])
        except IntegrityError as exc:
            raise InvalidState(
                _("The applicant already has an open case in this member state.")
            ) from exc
        CaseTransition.objects.create(
            application=app,
            cycle=app.cycle,
            from_state=app.state,
            to_state=app.state,
            actor=actor,
            at=now,
            reason=_("Transferred from %(old)s to %(new)s.")
            % {"old": old_state, "new": transfer.to_state_id},
        )
        old_card.status, old_card.status_changed_at = CardStatus.REVOKED, now
        old_card.status_reason = _("Replaced by a card of %(new)s after a transfer.") % {
            "new": transfer.to_state_id
        }
        old_card.save(update_fields=["status", "status_changed_at", "status_reason"])
        valid_from = local_today(transfer.to_state)
        new_card = card_issue(
            actor=actor,
            application=app,
            valid_from=valid_from,
            valid_until=max(old_card.valid_until, valid_from),
            valid_until_reason=old_card.valid_until_reason,
        )
        transfer.status, transfer.decided_by, transfer.decided_at = (
            TransferStatus.ACCEPTED,
            actor,
            now,
        )
        transfer.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            action="transfer.accepted",
            obj=transfer,
            member_state=transfer.to_state_id,
            data={
                "case": app.reference,
                "from": old_state,
                "old_card": old_card.pk,
                "new_card": new_card.pk,
            },
        )
        notify(app.applicant.user, "transfer_decided", app.reference)
    return transfer


def transfer_refuse(*, actor, transfer: TransferRequest, reason: str) -> TransferRequest:
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Give the reason: the applicant reads it."), field="reason")
    with transaction.atomic():
        transfer = (
            TransferRequest.objects.select_for_update()
            .select_related("application")
            .get(pk=transfer.pk)
        )
        _require_target_staff(actor, transfer)
        if transfer.status != TransferStatus.REQUESTED:
            raise InvalidState(_("This transfer is already decided."))
        transfer.status, transfer.decided_by, transfer.decided_at = (
            TransferStatus.REFUSED,
            actor,
            timezone.now(),
        )
        transfer.reason = reason
        transfer.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        audit_record(
            actor=actor,
            action="transfer.refused",
            obj=transfer,
            member_state=transfer.to_state_id,
            data={"case": transfer.application.reference},
        )
        notify(
            transfer.application.applicant.user, "transfer_decided", transfer.application.reference
        )
    return transfer
