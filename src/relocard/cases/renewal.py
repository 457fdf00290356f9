"""The trial year's end: renewal cycles, accepted exceptions, the interim certificate.

Each card year is a cycle of the same case. When the renewal window opens (the policy's
``renewal.window_days`` before the card expires), the holder opens the next cycle: verified
evidence that is still valid is carried over, so the renewal form asks only what changed;
expired evidence must be renewed. A renewal filed before the card expires gives the holder an
interim certificate ("valid while the renewal is processed") with its own QR until the decision.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from relocard.audit.services import audit_record
from relocard.cards.credentials import interim_issue, interim_withdraw
from relocard.cards.models import Card, CardStatus
from relocard.cases.models import (
    AcceptedException,
    Application,
    CaseFacts,
    CaseState,
    DecisionOutcome,
    DecisionStatus,
    EvidenceItem,
    EvidenceStatus,
    ExceptionKind,
    Stage,
)
from relocard.cases.selectors import renewal_card
from relocard.cases.steps import case_facts_refresh, local_today
from relocard.cases.steps import case_lock as _lock
from relocard.cases.steps import case_move as _move
from relocard.cases.steps import require_reviewer as _require_reviewer
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.core import rules


def card_in_force(application: Application) -> Card | None:
    """The case's newest card that is active or suspended."""
    return (
        application.cards.filter(status__in=[CardStatus.ACTIVE, CardStatus.SUSPENDED])
        .order_by("-valid_from", "-id")
        .first()
    )


def renewal_window(card: Card) -> tuple[date, date]:
    """First and last day on which the holder can file the renewal."""
    days = rules.load_policy(card.member_state_id, on=card.valid_until).value("renewal.window_days")
    return card.valid_until - timedelta(days=days), card.valid_until


def renewal_is_open(
    application: Application, today: date | None = None, *, card: Card | None = None
) -> bool:
    """Whether the holder can file the renewal today. ``card``: the case's
    :func:`card_in_force`, for a page that has read it already."""
    if application.state != CaseState.APPROVED:
        return False
    card = card or card_in_force(application)
    if card is None:
        return False
    first, last = renewal_window(card)
    day = today or local_today(application.member_state)
    return first <= day <= last


def renewal_open(*, actor, application: Application) -> Application:
    """Open the next card year's cycle, carrying over verified evidence that is still valid."""
    if not (access.is_applicant(actor) and application.applicant.user_id == actor.pk):
        raise NotAllowed(_("Only the card holder can renew the card."))
    with transaction.atomic():
        app = _lock(application)
        card = card_in_force(app)
        if app.state != CaseState.APPROVED or card is None:
            raise InvalidState(_("Only a case with a card in force can be renewed."))
        first, last = renewal_window(card)
        today = local_today(app.member_state)
        if not first <= today <= last:
            raise InvalidState(
                _("You can renew from %(first)s until %(last)s.")
                % {
                    "first": formats.date_format(first, "DATE_FORMAT"),
                    "last": formats.date_format(last, "DATE_FORMAT"),
                }
            )
        old_cycle = app.cycle
        app.cycle += 1
        app.stage = Stage.RENEWAL
        app.submitted_at = app.decided_at = app.decision_due = None
        app.last_submission_token = ""
        app.save(
            update_fields=[
                "cycle",
                "stage",
                "submitted_at",
                "decided_at",
                "decision_due",
                "last_submission_token",
            ]
        )
        carried = 0
        # A renewal withdrawn and started again finds its documents still there: not doubled.
        present = set(app.evidence.filter(cycle=app.cycle).values_list("kind", "sha256"))
        for item in app.evidence.filter(cycle=old_cycle, status=EvidenceStatus.VERIFIED).exclude(
            kind="travel"
        ):
            if _expires_within(item, card):
                continue  # expires during the year being renewed: the holder uploads a new one
            if (item.kind, item.sha256) in present:
                continue
            EvidenceItem.objects.create(
                application=app,
                cycle=app.cycle,
                kind=item.kind,
                file=item.file.name,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                declared=item.declared,
                verified_facts=item.verified_facts,
                expires_on=item.expires_on,
                status=EvidenceStatus.VERIFIED,
                uploaded_by=item.uploaded_by,
                uploaded_at=item.uploaded_at,
                reviewed_by=item.reviewed_by,
                reviewed_at=item.reviewed_at,
                review_note=_("Carried over from year %(n)s.") % {"n": old_cycle},
            )
            carried += 1
        case_facts_refresh(application=app, cycle=app.cycle)
        _move(
            app, "open_renewal", actor=actor, reason=_("Renewal for year %(n)s") % {"n": app.cycle}
        )
        audit_record(
            actor=actor,
            action="case.renewal_opened",
            obj=app,
            member_state=app.member_state_id,
            data={"cycle": app.cycle, "carried_over": carried, "card": card.pk},
        )
    return app


#: States from which a renewal can be withdrawn (as the workflow's ``withdraw_renewal``).
WITHDRAWABLE_STATES = (
    CaseState.DRAFT,
    CaseState.SUBMITTED,
    CaseState.IN_REVIEW,
    CaseState.CORRECTION_REQUESTED,
)


def card_kept_on_withdrawal(application: Application) -> Card | None:
    """The card that stays in force when this renewal is withdrawn, or None when withdrawing
    ends the whole case (not a renewal, or its card has ended)."""
    if application.stage != Stage.RENEWAL or application.state not in WITHDRAWABLE_STATES:
        return None
    card = renewal_card(application)
    if card is None or card.status not in (CardStatus.ACTIVE, CardStatus.SUSPENDED):
        return None
    if card.valid_until < local_today(application.member_state):
        return None
    return card


def renewal_withdraw(app: Application, *, actor, reason: str = "") -> Application:
    """Withdraw the renewal of a locked case whose card stays in force (inside the caller's
    transaction, after its permission check).

    The case becomes the approved case of the card's year again: the interim certificate is
    withdrawn, an open correction closed, the renewal year's derived facts dropped (the nightly
    run reads the card's year again). Documents uploaded for the renewal stay with its year, so
    a renewal started again in the window finds them.
    """
    card = card_kept_on_withdrawal(app)
    if card is None:
        raise InvalidState(_("There is no renewal to withdraw on this case."))
    year = app.cycle
    interim_after_decision(app)
    app.corrections.filter(cycle=year, answered_at__isnull=True).update(answered_at=timezone.now())
    CaseFacts.objects.filter(application=app, cycle=year).delete()
    app.clock_paused_at = None
    note = _("Renewal for year %(n)s withdrawn; the card stays valid until %(until)s.") % {
        "n": year,
        "until": formats.date_format(card.valid_until, "DATE_FORMAT"),
    }
    _move(app, "withdraw_renewal", actor=actor, reason=f"{note}\n{reason.strip()}".strip())
    previous = year - 1
    decision = (
        app.decisions.filter(
            cycle=previous, status=DecisionStatus.CONFIRMED, outcome=DecisionOutcome.APPROVE
        )
        .order_by("-confirmed_at")
        .first()
    )
    filed = (
        app.transitions.filter(cycle=previous, to_state=CaseState.SUBMITTED).order_by("-at").first()
    )
    app.cycle = previous
    app.stage = decision.stage if decision else (Stage.ISSUANCE if previous == 1 else Stage.RENEWAL)
    app.decided_at = decision.confirmed_at if decision else None
    app.submitted_at = filed.at if filed else None
    app.decision_due = None
    app.last_submission_token = ""
    app.save(
        update_fields=[
            "cycle",
            "stage",
            "decided_at",
            "submitted_at",
            "decision_due",
            "last_submission_token",
        ]
    )
    return app


def _expires_within(item: EvidenceItem, card: Card) -> bool:
    return item.expires_on is not None and item.expires_on <= card.valid_until


def expired_evidence(application: Application) -> list[EvidenceItem]:
    """Verified evidence of the previous year not carried over because it expires: to renew."""
    card = renewal_card(application)
    if card is None:
        return []
    previous = application.evidence.filter(
        cycle=application.cycle - 1, status=EvidenceStatus.VERIFIED
    )
    return [item for item in previous.exclude(kind="travel") if _expires_within(item, card)]


def interim_after_submission(application: Application) -> None:
    """Issue the interim certificate when a renewal is filed before the card expires."""
    if application.stage != Stage.RENEWAL:
        return
    card = renewal_card(application)
    if card is None or card.status != CardStatus.ACTIVE:
        return
    if local_today(application.member_state) > card.valid_until:
        return
    interim_issue(card, valid_until=application.decision_due)
    audit_record(
        actor=None,
        action="card.interim_issued",
        obj=card,
        member_state=card.member_state_id,
        data={"case": application.reference, "valid_until": application.decision_due},
    )


def interim_after_decision(application: Application) -> None:
    card = renewal_card(application)
    if card is not None and interim_withdraw(card):
        audit_record(
            actor=None,
            action="card.interim_withdrawn",
            obj=card,
            member_state=card.member_state_id,
            data={"case": application.reference},
        )


def exception_accept(
    *,
    actor,
    application: Application,
    days: int,
    reason: str,
    kind: str = ExceptionKind.FORCE_MAJEURE_ABSENCE,
) -> AcceptedException:
    """A caseworker accepts days abroad for documented force majeure, with the justification."""
    _require_reviewer(actor, application)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Give the justification: it is part of the decision."), field="reason")
    if not 1 <= days <= 366:
        raise InvalidInput(_("Enter a number of days from 1 to 366."), field="days")
    with transaction.atomic():
        app = _lock(application)
        if app.state != CaseState.IN_REVIEW or app.stage != Stage.RENEWAL:
            raise InvalidState(_("Exceptions are accepted while a renewal is in review."))
        exception = AcceptedException.objects.create(
            application=app,
            cycle=app.cycle,
            kind=kind,
            days=days,
            reason=reason,
            accepted_by=actor,
            accepted_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="case.exception_accepted",
            obj=exception,
            member_state=app.member_state_id,
            data={"case": app.reference, "days": days, "kind": kind},
        )
    return exception
