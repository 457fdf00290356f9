"""Writes on cards: issue on approval; later, suspension, revocation, renewal."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relocard.audit.services import audit_record
from relocard.cards.credentials import (
    allocate_status_slot,
    credentials_issue,
)
from relocard.cards.models import (
    Card,
    CardAction,
    CardStatus,
    CardStatusChange,
    ValidityLimit,
)
from relocard.cases.models import EvidenceKind, EvidenceStatus
from relocard.cases.signals import decision_taken_send
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.common.notifications import notify
from relocard.core import rules
from relocard.core.calendar import card_validity_end, validity_limit
from relocard.core.identifiers import new_card_number


def card_validity(member_state_code: str, valid_from: date) -> date:
    """End of the card year of a card issued on ``valid_from``: the policy's
    card.validity_months (before the passport's expiry is taken into account)."""
    months = rules.load_policy(member_state_code, on=valid_from).value("card.validity_months")
    return card_validity_end(valid_from, months)


def passport_expiry(application) -> date | None:
    """The verified passport's expiry: the earlier of the identity's expiry date and that of
    the passport evidence verified for the case's card year."""

    dates = [application.applicant.passport_expiry]
    dates += application.evidence.filter(
        cycle=application.cycle,
        kind=EvidenceKind.PASSPORT,
        status=EvidenceStatus.VERIFIED,
        expires_on__isnull=False,
    ).values_list("expires_on", flat=True)
    dates = [d for d in dates if d is not None]
    return min(dates) if dates else None


def card_issue(
    *,
    actor,
    application,
    valid_from: date,
    valid_until: date | None = None,
    valid_until_reason: str = ValidityLimit.CARD_YEAR,
) -> Card:
    """Create the card for an approved case, with its signed credentials (caller's transaction).

    Without ``valid_until`` the card is valid until the earlier of the card year's end and the
    passport's expiry; a passport that ends before the card would start fails (nothing is
    issued: the holder files a change of identity details with the new passport)."""
    member_state = application.member_state
    if valid_until is None:
        valid_until, valid_until_reason = validity_limit(
            card_validity(member_state.code, valid_from), passport_expiry(application)
        )
    if valid_until <= valid_from:
        raise InvalidState(
            _(
                "The passport expires before the card would start (%(date)s). A card needs a "
                "valid passport: the holder files a change of identity details with the new one."
            )
            % {"date": valid_from.isoformat()}
        )
    card = Card.objects.create(
        number=new_card_number(member_state.code),
        application=application,
        applicant=application.applicant,
        member_state=member_state,
        cycle=application.cycle,
        valid_from=valid_from,
        valid_until=valid_until,
        valid_until_reason=valid_until_reason,
        status_list_index=allocate_status_slot(member_state.code),
        issued_at=timezone.now(),
    )
    credentials = credentials_issue(card)
    audit_record(
        actor=actor,
        action="card.issued",
        obj=card,
        member_state=member_state.code,
        data={
            "case": application.reference,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "valid_until_reason": valid_until_reason,
            "kid": credentials[0].kid,
        },
    )
    return card


#: Which status each confirmed action leads to, and from which statuses it may start.
ACTION_EFFECT = {
    CardAction.SUSPEND: ({CardStatus.ACTIVE}, CardStatus.SUSPENDED),
    CardAction.REVOKE: ({CardStatus.ACTIVE, CardStatus.SUSPENDED}, CardStatus.REVOKED),
    CardAction.REINSTATE: ({CardStatus.SUSPENDED, CardStatus.REVOKED}, CardStatus.ACTIVE),
}


def _lock_card(card: Card) -> Card:
    return (
        Card.objects.select_for_update(of=("self",))
        .select_related("application", "applicant__user")
        .get(pk=card.pk)
    )


def card_status_propose(*, actor, card: Card, action: str, reason: str) -> CardStatusChange:
    """A caseworker or supervisor proposes to suspend, revoke or reinstate a card, with a reason."""
    if action not in ACTION_EFFECT:
        raise InvalidInput(_("Choose suspend, revoke or reinstate."), field="action")
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Give the reason: the holder will read it."), field="reason")
    if not access.can_review(actor, card.application):
        raise NotAllowed(_("Only a caseworker or supervisor of this member state can do this."))
    with transaction.atomic():
        locked = _lock_card(card)
        sources, _target = ACTION_EFFECT[action]
        if locked.status not in sources:
            raise InvalidState(
                _("A card that is “%(status)s” cannot be changed this way.")
                % {"status": CardStatus(locked.status).label}
            )
        if locked.status_changes.filter(status="proposed").exists():
            raise InvalidState(
                _("Another change of this card is already waiting for confirmation.")
            )
        change = CardStatusChange.objects.create(
            card=locked, action=action, reason=reason, proposed_by=actor, proposed_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action=f"card.{action}_proposed",
            obj=change,
            member_state=locked.member_state_id,
            data={"card": locked.pk},
        )
    return change


#: Card changes that are decisions with a formal letter (a reinstatement follows an appeal,
#: whose decision has its own letter).
LETTER_KINDS = {CardAction.SUSPEND: "suspension", CardAction.REVOKE: "revocation"}


def card_status_confirm(*, actor, change: CardStatusChange) -> Card:
    """A supervisor other than the proposer confirms; the status list changes at once."""
    with transaction.atomic():
        change = CardStatusChange.objects.select_for_update().get(pk=change.pk)
        card = _lock_card(change.card)
        if change.status != "proposed":
            raise InvalidState(_("This change was already decided."))
        if not access.can_confirm_card_change(actor, card.application, change):
            raise NotAllowed(
                _(
                    "A supervisor of this member state, other than the person who proposed it, must confirm."
                )
            )
        sources, target = ACTION_EFFECT[CardAction(change.action)]
        if card.status not in sources:
            raise InvalidState(_("The card's status has changed since this was proposed."))
        now = timezone.now()
        change.status, change.confirmed_by, change.confirmed_at = "confirmed", actor, now
        change.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        old = card.status
        card.status, card.status_changed_at, card.status_reason = target, now, change.reason
        card.save(update_fields=["status", "status_changed_at", "status_reason"])
        audit_record(
            actor=actor,
            action=f"card.{change.action}",
            obj=card,
            member_state=card.member_state_id,
            data={"from": old, "to": target, "change": change.pk},
        )
        if change.action in LETTER_KINDS:
            decision_taken_send(
                kind=LETTER_KINDS[change.action], application=card.application, card_change=change
            )
        notify(card.applicant.user, "card_status_changed", card.application.reference)

    return card


def card_status_return(*, actor, change: CardStatusChange, reason: str) -> CardStatusChange:
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the change is not confirmed."), field="reason")
    with transaction.atomic():
        change = (
            CardStatusChange.objects.select_for_update()
            .select_related("card__application")
            .get(pk=change.pk)
        )
        if change.status != "proposed":
            raise InvalidState(_("This change was already decided."))
        if not access.can_confirm_card_change(actor, change.card.application, change):
            raise NotAllowed(
                _("Only a supervisor of this member state, other than the proposer, can return it.")
            )
        change.status, change.return_reason = "returned", reason
        change.save(update_fields=["status", "return_reason"])
        audit_record(
            actor=actor,
            action=f"card.{change.action}_returned",
            obj=change,
            member_state=change.card.member_state_id,
        )
    return change
