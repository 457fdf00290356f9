"""The nightly run alongside the renewal services: a renewal opened keeps the card alive."""

from __future__ import annotations

from datetime import timedelta

import pytest

from relocard.cards import compliance
from relocard.cards.models import Card, CardCompliance, CardStatus, RenewalReminder
from relocard.cases.models import CaseFacts
from relocard.cases.services import local_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder_in_window(make_case):
    """A card issued by the services, moved so that its renewal window is open today."""
    app = make_case("approved")
    card = app.cards.get()
    today = local_today(app.member_state)
    Card.objects.filter(pk=card.pk).update(
        valid_from=today - timedelta(days=300), valid_until=today + timedelta(days=64)
    )
    card.refresh_from_db()
    return card


def test_an_opened_renewal_stops_reminders_and_expiry(holder_in_window):
    from relocard.cases.renewal import renewal_open

    card = holder_in_window
    today = local_today(card.member_state)
    run = compliance.compliance_run(today=today)
    assert run.reminders == 1
    assert list(RenewalReminder.objects.values_list("days_before", flat=True)) == [120]

    app = renewal_open(actor=card.applicant.user, application=card.application)
    assert app.cycle == 2 and app.stage == "renewal"
    # The facts row of the new cycle (evidence carried over) is the one the run reads.
    assert CaseFacts.objects.filter(application=app).order_by("-cycle").first().cycle == 2

    later = compliance.compliance_run(today=card.valid_until - timedelta(days=30))
    assert later.reminders == 0  # the 60- and 30-day reminders are not needed any more
    after_end = compliance.compliance_run(today=card.valid_until + timedelta(days=5))
    card.refresh_from_db()
    assert after_end.expired == 0 and card.status == CardStatus.ACTIVE
    stored = {
        f: getattr(CardCompliance.objects.get(card=card), f) for f in compliance.VERDICT_FIELDS
    }
    expected = compliance.compliance_for_card(card, today=card.valid_until + timedelta(days=5))
    assert stored == expected.fields()


def test_without_a_renewal_the_card_expires(holder_in_window):
    card = holder_in_window
    run = compliance.compliance_run(today=card.valid_until + timedelta(days=1))
    card.refresh_from_db()
    assert run.expired == 1 and card.status == CardStatus.EXPIRED
    assert card.status_reason == "The card's validity ended with no renewal pending."
