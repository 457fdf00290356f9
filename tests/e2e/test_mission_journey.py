"""At the mission in a browser (issue 14): from a submitted embassy case of an applicant in
Russia, the consular officer records biometrics and the fee (a wrong amount first), the
applicant uploads the photo and prints the receipt, a caseworker approves through the decision
flow, the officer records the D visa, orders the card, marks it ready, and hands it over after
the passport's zone is compared with the case: a wrong passport first, refused field by field.
Pages are checked with axe-core, at desktop width and at 390 px."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import PASSWORD
from tests.enrolment.conftest import passport_zone, photo_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def _narrow(journey, label: str) -> None:
    """The same page at 390 px (a phone), checked too, then back to desktop width."""
    page = journey.page
    page.set_viewport_size({"width": 390, "height": 844})
    journey.check(f"{label}-390")
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 392)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40))"
    )
    assert width <= 400, f"{label}: the page scrolls sideways at 390 px ({width} px): {wide}"
    page.set_viewport_size({"width": 1100, "height": 900})


def _verify_all(journey):
    page = journey.page
    while page.get_by_text("Check this document").count():
        details = page.locator("details[open]").filter(
            has=page.get_by_role("button", name=re.compile("Save check"))
        )
        details.first.get_by_label("Verified").check()
        details.first.get_by_role("button", name=re.compile("Save check")).click()
        expect(page.get_by_text("The document check is saved.")).to_be_visible()


def test_biometrics_fee_approval_visa_and_hand_over(journey, make_case, staff):
    from relocard.cases.models import Application, Channel
    from relocard.enrolment.models import CardProduction

    page = journey.page
    for user in staff.values():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    officer = staff["consular_officer"]
    app = make_case("submitted")
    Application.objects.filter(pk=app.pk).update(channel=Channel.EMBASSY)
    applicant = app.applicant
    applicant.user.set_password(PASSWORD)
    applicant.user.save(update_fields=["password"])
    ref = app.reference

    # The officer opens the case and the mission page: biometrics, then the fee.
    journey.sign_in(officer.email)
    page.goto(f"/console/cases/{ref}/")
    page.get_by_role("link", name=re.compile("At the mission: photo")).click()
    expect(page.get_by_role("heading", name="At the mission", exact=True)).to_be_visible()
    expect(page.get_by_text("stay there")).to_be_visible()
    journey.check("mission")
    _narrow(journey, "mission")
    page.get_by_label("Device reference").fill("FR-MOW-ST07")
    page.get_by_label("Mission or place").fill("Consulate general, Moscow")
    page.get_by_role("button", name="Record biometrics enrolment").click()
    expect(page.get_by_text("Biometrics enrolment is recorded.")).to_be_visible()
    page.get_by_label("Amount paid (EUR)").fill("90")
    page.get_by_label("Cash").check()
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_text("EUR 90.00 is not the fee due, EUR 99.00").first).to_be_visible()
    journey.check("fee-error")
    page.get_by_label("Amount paid (EUR)").fill("99.00")
    page.get_by_label("Cash").check()
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_text("The fee is recorded.")).to_be_visible()
    receipt = (
        page.locator(".summary-list .mono").filter(has_text=re.compile(r"^FR-\d{4}-")).inner_text()
    )
    journey.sign_out()

    # The applicant sees the mission's steps, prints the receipt and uploads the photo.
    journey.sign_in(applicant.user.email)
    page.goto(f"/apply/{ref}/")
    expect(page.get_by_text("on servers in the European Union only")).to_be_visible()
    expect(page.get_by_text(receipt)).to_be_visible()
    page.get_by_role("link", name="see and print the receipt").click()
    expect(page.get_by_role("heading", name="Receipt for the fee at the mission")).to_be_visible()
    journey.check("receipt")
    page.goto(f"/apply/{ref}/")
    page.get_by_role("link", name="Add the photo").click()
    page.get_by_label("Photo").set_input_files(
        {"name": "blank.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\nnot really"}
    )
    page.get_by_role("button", name="Upload the photo").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    journey.check("photo-error")
    page.get_by_label("Photo").set_input_files(
        {"name": "me.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}
    )
    page.get_by_role("button", name="Upload the photo").click()
    expect(page.get_by_text("The photo is saved.")).to_be_visible()
    _narrow(journey, "case-with-mission")
    journey.sign_out()

    # A caseworker approves through the decision flow (verified evidence, then Approve).
    journey.sign_in(staff["caseworker"].email)
    page.goto(f"/console/cases/{ref}/")
    page.get_by_role("button", name="Start review").click()
    _verify_all(journey)
    page.locator("summary", has_text="Approve and issue the card").click()
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_text("The application is approved and the card is issued.")).to_be_visible()
    journey.sign_out()

    # The officer records the D visa (a date error first), orders the card, marks it ready.
    journey.sign_in(officer.email)
    page.goto(f"/console/cases/{ref}/mission/")
    today = app.member_state.today()
    page.get_by_label("Visa number").fill("FRA012345678")
    journey.fill_date("id_valid_from", today.isoformat())
    journey.fill_date("id_valid_until", (today - timedelta(days=1)).isoformat())
    page.get_by_label("Multiple entries").check()
    page.get_by_label("The applicant is in Russia").check()
    page.get_by_role("button", name="Record the D visa").click()
    expect(
        page.get_by_text("The visa's last day must come after its first day.").first
    ).to_be_visible()
    journey.check("visa-error")
    journey.fill_date("id_valid_until", (today + timedelta(days=90)).isoformat())
    page.get_by_label("Multiple entries").check()
    page.get_by_label("The applicant is in Russia").check()
    page.get_by_role("button", name="Record the D visa").click()
    expect(page.get_by_text("The D visa is recorded")).to_be_visible()
    page.get_by_label("Collection at (mission)").fill("Consulate general, Moscow")
    page.get_by_role("button", name="Order the card").click()
    expect(page.get_by_text("The card's production is ordered.")).to_be_visible()
    page.get_by_role("button", name="The card is at the mission: ready for collection").click()
    expect(
        page.get_by_text("The card is ready for collection; the applicant is told.")
    ).to_be_visible()

    # A wrong passport is refused, field by field; the right one hands the card over.
    wrong = passport_zone(applicant, surname="PETROVA", document_number="750000001")
    page.get_by_label("Passport's machine-readable zone").fill(wrong)
    page.get_by_role("button", name="Check the passport and hand over").click()
    expect(page.get_by_text("does not match the identity on this case").first).to_be_visible()
    table = page.locator("table.comparison")
    expect(table.locator("tr.comparison-mismatch")).to_have_count(2)
    expect(table.locator("tr.comparison-mismatch").first).to_contain_text("Surname")
    journey.check("hand-over-refused")
    _narrow(journey, "hand-over-refused")
    assert CardProduction.objects.get().state == "ready_for_collection"
    page.get_by_label("Passport's machine-readable zone").fill(passport_zone(applicant))
    page.get_by_role("button", name="Check the passport and hand over").click()
    expect(page.get_by_text("The passport matches: the card is handed over.")).to_be_visible()
    expect(page.get_by_text(re.compile("Handed over .* after the passport check"))).to_be_visible()
    journey.check("handed-over")
    assert CardProduction.objects.get().state == "handed_over"
    journey.sign_out()

    # The applicant sees the visa and the card handed over.
    journey.sign_in(applicant.user.email)
    page.goto(f"/apply/{ref}/")
    expect(page.get_by_text("FRA012345678")).to_be_visible()
    expect(page.locator("section[aria-labelledby='mission-title']")).to_contain_text("Handed over")
    journey.check("applicant-after")


def test_a_valid_share_code_check_shows_the_holder_photo(journey, make_case, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from relocard.enrolment import services as mission
    from relocard.verification import services as vs
    from relocard.verification.models import VerifierOrganisation

    page = journey.page
    app = make_case("approved")
    card = app.cards.get()
    upload = SimpleUploadedFile("p.jpg", photo_bytes(), content_type="image/jpeg")
    mission.photo_upload(actor=app.applicant.user, application=app, upload=upload)
    landlord = vs.organisation_register(
        email="landlord-photo@example.test", password=PASSWORD, name="Landlord",
        kind="private_landlord", country="FR", registration_number="",
    )  # fmt: skip
    org = VerifierOrganisation.objects.get(memberships__user=landlord)
    vs.organisation_decide(actor=staff["programme_admin"], organisation=org, status="approved")
    _row, code = vs.share_code_create(actor=app.applicant.user, card=card, purpose="rent")

    page.goto("/verify/sign-in/")
    page.get_by_label("E-mail address").fill(landlord.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    journey.pass_second_factor(landlord.email)
    page.goto("/verify/share-code/")
    page.get_by_label("Share code").fill(code)
    journey.fill_date("id_date_of_birth", app.applicant.date_of_birth.isoformat())
    page.get_by_label("Why are you checking?").fill("Tenancy application for flat 3")
    page.locator("main").get_by_role("button", name="Check").click()
    expect(page.get_by_role("heading", name="Valid")).to_be_visible()
    photo = page.get_by_role("img", name="Photo of the card holder")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.naturalWidth") == 420  # the photo loaded, not a broken image
    journey.check("check-with-photo")
    _narrow(journey, "check-with-photo")
