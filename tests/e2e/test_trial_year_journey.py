"""The trial year in a browser: a renewal with pre-filled data and new credentials; a renewal
refused for presence, explained to the holder; a revoked card that a QR check shows not valid."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from tests.conftest import pdf_bytes
from tests.e2e.conftest import PASSWORD
from tests.verification.conftest import make_verifier  # noqa: F401 - a fixture

from relocard.cards.models import Card
from relocard.cases.services import local_today

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def near_expiry(make_case, staff):
    for user in staff.values():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])

    def make():
        app = make_case("approved")
        app.applicant.user.set_password(PASSWORD)
        app.applicant.user.save(update_fields=["password"])
        card = app.cards.get()
        end = local_today(app.member_state) + timedelta(days=20)
        Card.objects.filter(pk=card.pk).update(
            valid_from=end - timedelta(days=364), valid_until=end
        )
        card.refresh_from_db()
        return app, card

    return make


def _upload(journey, kind_label, fill):
    page = journey.page
    page.get_by_role("link", name="Upload a document").first.click()
    page.get_by_label(kind_label, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    fill(page)
    page.get_by_label("Upload a file").set_input_files(
        {"name": "doc.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("renewal")}
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("The document is uploaded.")).to_be_visible()


def _renew_in_browser(journey, app):
    page = journey.page
    journey.sign_in(app.applicant.user.email)
    page.get_by_role("link", name=app.reference).click()
    page.get_by_role("link", name="Renew your card").click()
    journey.check("renew")
    expect(page.get_by_text("Documents we carry over")).to_be_visible()
    page.get_by_label("I want to renew my card for another year").check()
    page.get_by_role("button", name="Start the renewal").click()
    expect(page.get_by_text("Your renewal is started.")).to_be_visible()
    journey.check("renewal-draft")

    def work(p):
        p.get_by_label("Country of work").select_option("FR")

    def home(p):
        p.get_by_label("I rent it").check()
        p.get_by_label("Country of the home").select_option("FR")

    _upload(journey, "Employment contract", work)
    _upload(journey, "Lease or title deed", home)
    page.get_by_role("link", name="Check and submit").click()
    page.get_by_label("I confirm that the information").check()
    page.get_by_role("button", name="Submit application").click()
    page.get_by_role("link", name="Back to the application").click()
    expect(page.get_by_text("Download the interim certificate (PDF)")).to_be_visible()
    journey.check("interim")
    journey.sign_out()


def _review(journey, user, reference):
    page = journey.page
    journey.sign_in(user.email)
    page.goto(f"/console/cases/{reference}/")
    page.get_by_role("button", name="Start review").click()
    while page.get_by_text("Check this document").count():
        details = page.locator("details[open]").filter(
            has=page.get_by_role("button", name=re.compile("Save check"))
        )
        details.first.get_by_label("Verified").check()
        details.first.get_by_role("button", name=re.compile("Save check")).click()
        expect(page.get_by_text("The document check is saved.")).to_be_visible()
    journey.check("renewal-review")


def test_renewal_with_prefilled_data_gets_new_credentials(journey, near_expiry, staff):
    page = journey.page
    app, old = near_expiry()
    _renew_in_browser(journey, app)
    _review(journey, staff["caseworker"], app.reference)
    expect(page.get_by_text("All criteria met")).to_be_visible()
    page.get_by_text("Approve and issue the card").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("The application is approved and the card is issued.")).to_be_visible()
    journey.sign_out()
    journey.sign_in(app.applicant.user.email)
    new = app.cards.exclude(pk=old.pk).get()
    expect(page.locator(".card-number", has_text=new.number)).to_be_visible()
    assert new.valid_from == old.valid_until + timedelta(days=1) and new.credentials.count() == 2
    journey.check("renewed")


def test_renewal_refused_for_presence_is_explained(journey, near_expiry, staff):
    page = journey.page
    app, card = near_expiry()
    # The holder declares a long trip on the My trips page.
    journey.sign_in(app.applicant.user.email)
    page.get_by_role("link", name="My trips").click()
    journey.fill_date("id_left", str(card.valid_from + timedelta(days=20)))
    journey.fill_date("id_returned", str(card.valid_from + timedelta(days=160)))
    page.get_by_role("button", name="Record trip").click()
    expect(page.get_by_text("The trip is recorded.")).to_be_visible()
    journey.check("trips")
    journey.sign_out()
    _renew_in_browser(journey, app)
    _review(journey, staff["caseworker"], app.reference)
    expect(page.get_by_text("Presence over the card year")).to_be_visible()
    page.get_by_text("Propose a refusal").click()
    # The refusal form is pre-filled with the engine's explanation of the presence shortfall.
    reason = page.get_by_role("textbox", name=re.compile("Presence|Residence|presence"))
    expect(reason).to_have_value(re.compile("present", re.IGNORECASE))
    page.get_by_role("button", name="Propose refusal").click()
    journey.sign_out()
    journey.sign_in(staff["supervisor"].email)
    page.goto(f"/console/cases/{app.reference}/")
    page.get_by_label("I have read the reasons and confirm the refusal").check()
    page.get_by_role("button", name="Confirm refusal").click()
    expect(page.get_by_text("The refusal is confirmed")).to_be_visible()
    journey.sign_out()
    journey.sign_in(app.applicant.user.email)
    page.get_by_role("link", name=app.reference).click()
    expect(page.get_by_role("heading", name="Your application is refused")).to_be_visible()
    expect(page.get_by_text(re.compile("present", re.IGNORECASE)).first).to_be_visible()
    expect(page.get_by_text(re.compile("You can appeal until"))).to_be_visible()
    journey.check("refused-presence")


def test_revoked_card_shows_not_valid_in_a_qr_check(journey, make_case, make_verifier, staff):  # noqa: F811
    """Revocation in the console (a caseworker proposes, a supervisor confirms), then a bank's
    QR check of the printed payload says not valid."""
    from relocard.cards.credentials import latest

    page = journey.page
    for user in staff.values():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    app = make_case("approved")
    card = app.cards.get()
    bank = make_verifier("bank")
    bank.set_password(PASSWORD)
    bank.save(update_fields=["password"])
    payload = latest(card, "rc1").payload

    journey.sign_in(staff["caseworker"].email)
    page.goto(f"/console/cases/{app.reference}/")
    page.get_by_text("Suspend, revoke or reinstate this card").click()
    page.get_by_label("Revoke").check()
    page.get_by_label("Reason (the holder reads it)").fill("The diploma was found to be forged.")
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_text("A supervisor must confirm it.")).to_be_visible()
    journey.check("revoke-proposed")
    journey.sign_out()
    journey.sign_in(staff["supervisor"].email)
    page.goto(f"/console/cases/{app.reference}/")
    page.get_by_role("button", name="Confirm", exact=True).click()
    expect(page.get_by_text("the status list is updated")).to_be_visible()
    journey.sign_out()

    journey.sign_in(bank.email, path="/verify/sign-in/")
    page.get_by_role("navigation", name="Checking cards").get_by_role(
        "link", name="Check a QR code"
    ).click()
    page.get_by_label("Text of the QR code").fill(payload)
    page.get_by_label("Why are you checking?").fill("Opening an account")
    page.locator("main").get_by_role("button", name="Check").click()
    expect(page.get_by_role("heading", name="Not valid")).to_be_visible()
    expect(page.get_by_text("revoked")).to_be_visible()
    journey.check("qr-revoked")
