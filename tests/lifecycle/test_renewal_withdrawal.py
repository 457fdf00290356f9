"""Withdrawing a renewal (issue 11, finding 7): the card stays as it is, a confirmation page says
so, and the holder can start the renewal again while the window is open."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.urls import reverse
from tests.conftest import upload

from relocard.cards import credentials as creds
from relocard.cards.models import Card, CardStatus
from relocard.cases import renewal
from relocard.cases import services as cs
from relocard.cases.models import Application, CaseFacts

pytestmark = pytest.mark.django_db

LEASE = ("lease_or_deed", {"lease_or_deed-tenure": "tenant", "lease_or_deed-country": "FR"})


def _open_renewal(app):
    renewal.renewal_open(actor=app.applicant.user, application=app)
    app.refresh_from_db()
    return app


def test_withdrawing_a_renewal_draft_keeps_the_card_and_the_way_to_renew(holder_near_expiry):
    app, card = holder_near_expiry(days_left=30)
    app = _open_renewal(app)
    user = app.applicant.user
    kind, facts = LEASE
    cs.evidence_add(actor=user, application=app, kind=kind, upload=upload(), facts_data=facts)
    assert CaseFacts.objects.filter(application=app, cycle=2).exists()

    cs.application_withdraw(actor=user, application=app)
    app.refresh_from_db()
    card.refresh_from_db()
    # The case is the approved case of year 1 again; the card is untouched.
    assert (app.state, app.stage, app.cycle) == ("approved", "issuance", 1)
    assert app.decided_at is not None and app.submitted_at is not None
    assert card.status == CardStatus.ACTIVE
    assert renewal.card_in_force(app) == card
    # The withdrawn year's derived facts no longer feed the nightly run.
    assert not CaseFacts.objects.filter(application=app, cycle=2).exists()
    last = app.transitions.last()
    assert (last.cycle, last.from_state, last.to_state) == (2, "draft", "approved")
    assert "withdrawn" in last.reason
    # The renewal can start again: what was uploaded is still there, nothing is doubled.
    assert renewal.renewal_is_open(app)
    app = _open_renewal(app)
    assert (app.state, app.stage, app.cycle) == ("draft", "renewal", 2)
    kinds = sorted(app.evidence.filter(cycle=2).values_list("kind", flat=True))
    assert kinds == sorted(
        ["passport", "diploma", "language_certificate", "liquid_assets", "lease_or_deed"]
    )


def test_withdrawing_a_filed_renewal_withdraws_the_interim_certificate(
    client, holder_near_expiry, staff
):
    app, card = holder_near_expiry(days_left=20)
    app = _open_renewal(app)
    user = app.applicant.user
    cs.application_submit(actor=user, application=app, token=secrets.token_hex(6))
    app.refresh_from_db()
    interim = creds.interim_current(card)
    assert interim is not None
    client.force_login(user)
    page = client.get(reverse("portal:withdraw", args=[app.reference])).content.decode()
    assert "Your interim certificate is withdrawn" in page
    cs.application_start_review(actor=staff["caseworker"], application=app, version=app.version)
    app.refresh_from_db()
    cs.correction_request(
        actor=staff["caseworker"],
        application=app,
        message="Add the lease.",
        kinds=["lease_or_deed"],
        version=app.version,
    )
    app.refresh_from_db()

    cs.application_withdraw(actor=user, application=app)
    app.refresh_from_db()
    assert (app.state, app.cycle, app.clock_paused_at) == ("approved", 1, None)
    assert creds.interim_current(card) is None
    assert creds.verify_payload(interim.payload).status == "revoked"
    assert creds.verify_payload(creds.latest(card, "rc1").payload).valid
    # The open correction is closed with the withdrawal: it cannot answer a later renewal.
    assert app.corrections.filter(answered_at__isnull=True).count() == 0
    # Documents filed with the withdrawn renewal stay on record: not removable in a new draft.
    app = _open_renewal(app)
    filed = app.evidence.filter(cycle=2).first()
    with pytest.raises(cs.InvalidState):
        cs.evidence_remove(actor=user, evidence=filed)


def test_withdrawing_a_renewal_after_the_card_ended_withdraws_the_case(holder_near_expiry):
    app, card = holder_near_expiry(days_left=30)
    app = _open_renewal(app)
    Card.objects.filter(pk=card.pk).update(status=CardStatus.EXPIRED)
    cs.application_withdraw(actor=app.applicant.user, application=app)
    app.refresh_from_db()
    assert app.state == "withdrawn"  # nothing to keep: the holder may apply again


def test_a_first_card_application_is_withdrawn_as_before(make_case):
    app = make_case("submitted")
    cs.application_withdraw(actor=app.applicant.user, application=app)
    app.refresh_from_db()
    assert app.state == "withdrawn"


def test_withdrawal_page_explains_what_happens_to_the_card(client, holder_near_expiry):
    app, card = holder_near_expiry(days_left=30)
    app = _open_renewal(app)
    client.force_login(app.applicant.user)
    case_page = client.get(reverse("portal:case", args=[app.reference])).content.decode()
    assert "Withdraw this renewal" in case_page
    page = client.get(reverse("portal:withdraw", args=[app.reference])).content.decode()
    assert "Withdraw your renewal" in page
    until = f"{card.valid_until.day} {card.valid_until:%B %Y}"
    assert f"Your card stays valid until {until}" in page
    assert "it is not renewed" in page
    last = renewal.renewal_window(card)[1]
    assert f"You can start the renewal again until {last.day} {last:%B %Y}" in page
    # Without the confirmation box: an error, nothing changes.
    r = client.post(reverse("portal:withdraw", args=[app.reference]), {})
    assert r.status_code == 400
    app.refresh_from_db()
    assert app.state == "draft"
    r = client.post(reverse("portal:withdraw", args=[app.reference]), {"confirm": "on"})
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.state == "approved"
    page = client.get(r["Location"]).content.decode()
    assert "Your renewal is withdrawn. Your card stays as it was." in page
    assert "Renew your card" in page
    r = client.post(reverse("portal:renew", args=[app.reference]), {"confirm": "on"})
    assert r.status_code == 302
    assert Application.objects.get(pk=app.pk).state == "draft"


def test_first_card_withdrawal_page_is_unchanged(client, make_case):
    app = make_case("submitted")
    client.force_login(app.applicant.user)
    page = client.get(reverse("portal:withdraw", args=[app.reference])).content.decode()
    assert "Withdraw your application" in page
    assert "A withdrawn application cannot be reopened." in page


def test_withdrawing_a_renewal_once_the_card_has_ended_withdraws_the_case(
    client, holder_near_expiry
):
    app, card = holder_near_expiry(days_left=30)
    app = _open_renewal(app)
    # The card's last day has passed (the nightly run has not marked it expired yet).
    yesterday = cs.local_today(app.member_state) - timedelta(days=1)
    Card.objects.filter(pk=card.pk).update(valid_until=yesterday)
    client.force_login(app.applicant.user)
    page = client.get(reverse("portal:withdraw", args=[app.reference])).content.decode()
    assert f"Your card ended on {yesterday.day} {yesterday:%B %Y}" in page
    r = client.post(reverse("portal:withdraw", args=[app.reference]), {"confirm": "on"})
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.state == "withdrawn"
