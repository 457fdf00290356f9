"""At the mission in a browser (issue 14): from a submitted embassy case of an applicant in
Russia, the consular officer records biometrics and the fee (a wrong amount first), the
applicant uploads the photo and prints the receipt, a caseworker approves through the decision
flow, the officer records the D visa, orders the card, marks it ready, and hands it over after
the passport's zone is compared with the case: a wrong passport first, refused field by field.
Pages are checked with axe-core, at desktop width and at 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from tests.e2e import consular_steps as steps
from tests.e2e.conftest import PASSWORD
from tests.enrolment.conftest import photo_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_biometrics_fee_approval_visa_and_hand_over(journey, make_case, staff):
    from relocard.cases.models import Application, Channel

    for user in staff.values():
        steps.with_password(user)
    officer = staff["consular_officer"]
    app = make_case("submitted")
    Application.objects.filter(pk=app.pk).update(channel=Channel.EMBASSY)
    applicant = app.applicant
    steps.with_password(applicant.user)
    ref = app.reference

    receipt = steps.record_biometrics_and_fee(journey, officer, ref)
    steps.receipt_and_photo(journey, applicant, ref, receipt)
    steps.approve(journey, staff["caseworker"], ref)
    steps.visa_and_hand_over(journey, officer, app)
    steps.applicant_sees_visa_and_card(journey, applicant, ref)


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
    # The photo loaded, not a broken image (decode() waits for the load; it fails on a broken one).
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") == 420
    journey.check("check-with-photo")
    steps.narrow(journey, "check-with-photo")
