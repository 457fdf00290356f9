"""Writes on cards: issue on approval; later, suspension, revocation, renewal."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from relocard.audit.services import audit_record
from relocard.cards.models import Card
from relocard.core.identifiers import new_card_number

#: Entries per member-state status list. Indexes are drawn at random (not in issuing order),
#: as the Token Status List draft recommends, so that a card's index tells nothing about when
#: it was issued or which cards were issued together.
STATUS_LIST_SIZE = getattr(settings, "RELOCARD_STATUS_LIST_SIZE", 1 << 20)


def _random_slot() -> int:
    return secrets.randbelow(STATUS_LIST_SIZE)


def card_issue(*, actor, application, valid_from: date) -> Card:
    """Create the card for an approved case (inside the caller's transaction)."""
    member_state = application.member_state
    valid_until = valid_from + timedelta(days=member_state.card_validity_days)
    for _attempt in range(20):
        try:
            with transaction.atomic():
                card = Card.objects.create(
                    number=new_card_number(member_state.code),
                    application=application,
                    applicant=application.applicant,
                    member_state=member_state,
                    cycle=application.cycle,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    status_list_index=_random_slot(),
                    issued_at=timezone.now(),
                )
            break
        except IntegrityError:
            continue  # the random slot (or, astronomically rarely, the number) was taken
    else:  # pragma: no cover - would need a nearly full status list
        raise RuntimeError("no free status-list slot found; enlarge RELOCARD_STATUS_LIST_SIZE")
    audit_record(
        actor=actor,
        action="card.issued",
        obj=card,
        member_state=member_state.code,
        data={"case": application.reference, "valid_from": valid_from, "valid_until": valid_until},
    )
    return card
