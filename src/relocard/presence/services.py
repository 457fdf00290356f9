"""Writes on trips: declare, change, delete, attach evidence. Each atomic and audited."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relocard.audit.services import audit_record
from relocard.cases.models import EvidenceItem, EvidenceKind
from relocard.common import access
from relocard.common.errors import InvalidInput, NotAllowed
from relocard.common.files import check_evidence_file
from relocard.core.eu import EFTA_STATES, EU_MEMBER_STATES
from relocard.core.residence import in_schengen
from relocard.presence.models import Trip
from relocard.presence.selectors import current_card

#: Trips are accepted within these bounds around today: older records cannot matter to a card
#: year, and plans further ahead are guesses.
PAST_LIMIT = timedelta(days=2 * 366)
FUTURE_LIMIT = timedelta(days=366)
COUNTRY_CODES = EU_MEMBER_STATES | EFTA_STATES


def schengen_destinations(issuer: str | None, on: date | None = None) -> frozenset[str]:
    """The countries a holder declares a trip to: Schengen states other than the card's issuer
    (Ireland and Cyprus are not in the area, and days in the issuing state are days at home)."""
    day = on or timezone.localdate()
    return frozenset(c for c in COUNTRY_CODES if c != issuer and in_schengen(c, day))


def _check(left: date | None, returned: date | None, destination: str, issuer: str | None) -> None:
    today = timezone.localdate()
    if left is None and returned is None:
        raise InvalidInput(
            _("Enter the day you left, the day you came back, or both."), field="left"
        )
    if left and returned and returned < left:
        raise InvalidInput(
            _("The day you came back must be on or after the day you left."), field="returned"
        )
    for field, value in (("left", left), ("returned", returned)):
        if value and value < today - PAST_LIMIT:
            raise InvalidInput(
                _("This date is more than two years ago: it cannot count for your card."),
                field=field,
            )
        if value and value > today + FUTURE_LIMIT:
            raise InvalidInput(_("Plan trips at most a year ahead."), field=field)
    if destination and destination not in schengen_destinations(issuer, today):
        raise InvalidInput(
            _("Choose another Schengen country from the list, or leave it empty."),
            field="destination",
        )


def _require_holder(actor, applicant) -> None:
    if not (access.is_applicant(actor) and applicant.user_id == actor.pk):
        raise NotAllowed(_("You can only record your own trips."))


def trip_save(
    *,
    actor,
    applicant,
    left: date | None,
    returned: date | None,
    destination: str = "",
    trip: Trip | None = None,
) -> Trip:
    """Declare a trip, or change one (past or planned)."""
    _require_holder(actor, applicant)
    destination = (destination or "").upper()
    card = current_card(applicant)
    _check(left, returned, destination, card.member_state_id if card else None)
    with transaction.atomic():
        if trip is None:
            trip = Trip(applicant=applicant, created_by=actor)
            action = "trip.declared"
        else:
            trip = Trip.objects.select_for_update().get(pk=trip.pk, applicant=applicant)
            action = "trip.changed"
        trip.left, trip.returned, trip.destination = left, returned, destination
        trip.save()
        audit_record(
            actor=actor,
            action=action,
            obj=trip,
            data={
                "left": left,
                "returned": returned,
                "schengen": bool(destination and left and in_schengen(destination, left)),
            },
        )
    return trip


def trip_delete(*, actor, trip: Trip) -> None:
    _require_holder(actor, trip.applicant)
    with transaction.atomic():
        pk = trip.pk
        if trip.evidence_id is not None:
            raise InvalidInput(
                _("A trip with evidence attached stays on record; correct its dates instead.")
            )
        trip.delete()
        audit_record(actor=actor, action="trip.deleted", object_type="presence.trip", object_id=pk)


def trip_evidence_add(*, actor, trip: Trip, upload) -> EvidenceItem:
    """Attach a ticket, boarding pass or stamp to a trip; a caseworker checks it at renewal."""
    _require_holder(actor, trip.applicant)
    card = current_card(trip.applicant)
    if card is None:
        raise InvalidInput(_("Evidence of trips is for card holders."))
    checked = check_evidence_file(upload)
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[
        checked.content_type
    ]
    item = EvidenceItem(
        application=card.application,
        cycle=card.application.cycle,
        kind=EvidenceKind.TRAVEL,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        declared={"trip": trip.pk},
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    item.file.save(f"{secrets.token_hex(16)}.{extension}", ContentFile(checked.content), save=False)
    try:
        with transaction.atomic():
            item.save()
            Trip.objects.filter(pk=trip.pk).update(evidence=item)
            audit_record(
                actor=actor,
                action="trip.evidence_added",
                obj=trip,
                member_state=card.member_state_id,
                data={"sha256": checked.sha256},
            )
    except BaseException:
        item.file.delete(save=False)
        raise
    trip.evidence = item
    return trip.evidence
