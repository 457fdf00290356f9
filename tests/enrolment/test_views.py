"""The mission desk over HTTP: the officer's page, errors beside their fields, the passport
comparison, the photo (upload, access, audit), the receipt, the card PDF and the share-code
check with the holder's photo."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdfium2
import pytest
from django.urls import reverse
from django.utils import timezone
from tests.enrolment.conftest import passport_zone, photo_bytes

from relocard.audit.models import AuditEvent
from relocard.enrolment import services
from relocard.enrolment.models import BiometricEnrolment, FeePayment, HolderPhoto
from relocard.verification.models import CardCheck

pytestmark = pytest.mark.django_db


def _upload_photo(actor, app):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("p.jpg", photo_bytes(), content_type="image/jpeg")
    return services.photo_upload(actor=actor, application=app, upload=upload)


def _ready_card(officer, app):
    services.biometrics_record(
        actor=officer, application=app, device_reference="ST-7", place="Moscow"
    )
    services.fee_record(actor=officer, application=app, amount="99", method="cash")
    _upload_photo(officer, app)
    production = services.production_order(actor=officer, application=app, place="Moscow")
    return services.production_ready(
        actor=officer, production=production, version=production.version
    )


def test_the_officer_records_biometrics_and_fee_from_the_page(client, embassy_case, officer):
    app = embassy_case("submitted")
    client.force_login(officer)
    url = reverse("enrolment:mission", args=[app.reference])
    page = client.get(url)
    assert page.status_code == 200
    assert b"stay there" in page.content and b"EUR 99.00" in page.content
    response = client.post(
        reverse("enrolment:biometrics", args=[app.reference]),
        {"device_reference": "ST-7", "place": "Consulate, Moscow"},
    )
    assert response.status_code == 302 and BiometricEnrolment.objects.count() == 1
    response = client.post(
        reverse("enrolment:fee", args=[app.reference]), {"amount": "12", "method": "cash"}
    )
    assert response.status_code == 400
    assert "EUR 12.00 is not the fee due, EUR 99.00" in response.content.decode()
    assert not FeePayment.objects.exists()
    client.post(reverse("enrolment:fee", args=[app.reference]), {"amount": "99", "method": "cash"})
    receipt = client.get(reverse("enrolment:receipt", args=[app.reference]))
    number = FeePayment.objects.get().receipt_number
    assert receipt.status_code == 200 and number in receipt.content.decode()
    # The case page shows the mission's history.
    case_page = client.get(reverse("console:case", args=[app.reference])).content.decode()
    assert "Biometrics enrolled" in case_page and number in case_page


def test_an_empty_form_names_its_fields(client, embassy_case, officer):
    app = embassy_case("approved")
    client.force_login(officer)
    response = client.post(reverse("enrolment:visa", args=[app.reference]), {})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Fill in “Visa number”." in body and "Fill in “Valid from”." in body
    response = client.post(
        reverse("enrolment:visa", args=[app.reference]),
        {"number": "FRA1", "valid_from": "2026-13-01", "valid_until": "x", "entries": "single",
         "in_russia": "on"},
    )  # fmt: skip
    assert "Enter a real date for “Valid from”." in response.content.decode()


@pytest.mark.parametrize("who", ["caseworker", "auditor", "supervisor", "programme_admin"])
def test_other_staff_do_not_reach_the_mission_page(client, embassy_case, staff, who):
    app = embassy_case("submitted")
    client.force_login(staff[who])
    assert client.get(reverse("enrolment:mission", args=[app.reference])).status_code == 404
    response = client.post(
        reverse("enrolment:biometrics", args=[app.reference]),
        {"device_reference": "ST-7", "place": "Moscow"},
    )
    assert response.status_code == 404 and not BiometricEnrolment.objects.exists()


def test_officers_of_another_state_and_applicants_get_not_found(
    client, embassy_case, make_user, make_applicant
):
    from relocard.accounts.models import Role

    app = embassy_case("submitted")
    for user in (make_user(Role.CONSULAR_OFFICER, "DE"), app.applicant.user, make_applicant().user):
        client.force_login(user)
        assert client.get(reverse("enrolment:mission", args=[app.reference])).status_code == 404


def test_a_wrong_passport_is_shown_field_by_field(client, embassy_case, officer):
    app = embassy_case("approved")
    production = _ready_card(officer, app)
    client.force_login(officer)
    url = reverse("enrolment:hand_over", args=[app.reference])
    wrong = passport_zone(app.applicant, birth_date=app.applicant.date_of_birth - timedelta(days=1))
    response = client.post(url, {"version": production.version, "mrz": wrong})
    body = response.content.decode()
    assert response.status_code == 400
    assert "does not match the identity on this case" in body
    assert "Date of birth" in body and "Does not match" in body and "Matches" in body
    production.refresh_from_db()
    assert production.state == "ready_for_collection"
    response = client.post(
        url, {"version": production.version, "mrz": passport_zone(app.applicant)}
    )
    assert response.status_code == 302
    production.refresh_from_db()
    assert production.state == "handed_over"


def test_the_applicant_uploads_a_photo_and_sees_the_mission_section(client, embassy_case, officer):
    app = embassy_case("approved")
    client.force_login(app.applicant.user)
    url = reverse("enrolment:photo_upload", args=[app.reference])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"photo": io.BytesIO(b"not an image")})
    assert bad.status_code == 400 and HolderPhoto.objects.count() == 0
    good = io.BytesIO(photo_bytes())
    good.name = "me.jpg"
    response = client.post(url, {"photo": good})
    assert response.status_code == 302 and HolderPhoto.objects.count() == 1
    services.entry_visa_record(
        actor=officer, application=app, number="FRA000000001",
        valid_from=app.member_state.today(),
        valid_until=app.member_state.today() + timedelta(days=90),
        entries="single", in_russia=True,
    )  # fmt: skip
    page = client.get(reverse("portal:case", args=[app.reference])).content.decode()
    assert (
        "At the mission" in page
        and "FRA000000001" in page
        and "Single entry" in page.replace("single entry", "Single entry")
    )


def test_the_photo_is_served_to_those_who_may_read_the_case_and_audited(
    client, embassy_case, officer, staff, make_applicant
):
    app = embassy_case("submitted")
    _upload_photo(app.applicant.user, app)
    url = reverse("enrolment:photo", args=[app.reference])
    for user, status in [
        (app.applicant.user, 200),
        (officer, 200),
        (staff["caseworker"], 200),
        (staff["caseworker_de"], 404),
        (make_applicant().user, 404),
    ]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
        if status == 200:
            assert response.content == photo_bytes()
            assert response["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(action="mission.photo_viewed").count() == 3


def test_the_card_pdf_carries_the_photo(embassy_case):
    from relocard.cards import credentials as creds

    app = embassy_case("approved")
    card = app.cards.get()
    without = creds.card_pdf(card, size="A4")
    _upload_photo(app.applicant.user, app)
    for size in ("A4", "ID-1"):
        pdf = pypdfium2.PdfDocument(creds.card_pdf(card, size=size))
        images = [o for o in pdf[0].get_objects() if o.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]
        assert len(images) == 1, size
    plain = pypdfium2.PdfDocument(without)
    assert not [o for o in plain[0].get_objects() if o.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]


@pytest.fixture
def verifier(staff):
    from relocard.verification import services as vs
    from relocard.verification.models import VerifierOrganisation

    user = vs.organisation_register(
        email="landlord@example.test", password="a-long-test-password", name="Landlord",
        kind="private_landlord", country="FR", registration_number="",
    )  # fmt: skip
    org = VerifierOrganisation.objects.get(memberships__user=user)
    vs.organisation_decide(actor=staff["programme_admin"], organisation=org, status="approved")
    return user


def test_a_share_code_check_shows_the_holder_photo_for_a_while(client, embassy_case, verifier):
    from relocard.common import access

    app = embassy_case("approved")
    card = app.cards.get()
    _upload_photo(app.applicant.user, app)
    membership = access.verifier_membership(verifier)
    from relocard.verification import services as vs

    _row, code = vs.share_code_create(actor=card.applicant.user, card=card, purpose="rent")
    check = vs.check_by_share_code(
        organisation=membership.organisation, user=verifier, code=code,
        date_of_birth=card.applicant.date_of_birth, reason="Tenancy",
    )  # fmt: skip
    assert check.result == "valid"
    client.force_login(verifier)
    result = client.get(reverse("verification:check", args=[check.check_id])).content.decode()
    photo_url = reverse("enrolment:check_photo", args=[check.check_id])
    assert photo_url in result
    response = client.get(photo_url)
    assert response.status_code == 200 and response.content == photo_bytes()
    event = AuditEvent.objects.filter(action="mission.photo_viewed").get()
    assert event.data["check"] == check.check_id
    # Not in the card's QR, which holds only the printed facts.
    qr = card.credentials.filter(format="rc1").get().payload
    assert len(qr) < 1000
    # Half an hour after the check the photo is no longer served, nor shown.
    CardCheck.objects.filter(pk=check.pk).update(checked_at=timezone.now() - timedelta(minutes=31))
    assert client.get(photo_url).status_code == 404
    later = client.get(reverse("verification:check", args=[check.check_id])).content.decode()
    assert photo_url not in later


def test_a_check_that_matched_nothing_shows_no_photo(client, embassy_case, verifier):
    from relocard.common import access
    from relocard.verification import services as vs

    app = embassy_case("approved")
    card = app.cards.get()
    _upload_photo(app.applicant.user, app)
    membership = access.verifier_membership(verifier)
    check = vs.check_by_share_code(
        organisation=membership.organisation, user=verifier, code="R7K 3MX 9QH",
        date_of_birth=card.applicant.date_of_birth, reason="Tenancy",
    )  # fmt: skip
    assert check.result == "no_match"
    client.force_login(verifier)
    assert client.get(reverse("enrolment:check_photo", args=[check.check_id])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_refusals_and_photo_views_are_audited_outside_a_test_transaction(
    client, embassy_case, officer
):
    """Found in the browser journey: the refused hand-over and the photo view wrote their
    audit events outside a transaction (the audit writer refuses that: a server error)."""
    app = embassy_case("approved")
    production = _ready_card(officer, app)
    client.force_login(officer)
    wrong = passport_zone(app.applicant, surname="PETROVA")
    response = client.post(
        reverse("enrolment:hand_over", args=[app.reference]),
        {"version": production.version, "mrz": wrong},
    )
    assert response.status_code == 400
    assert AuditEvent.objects.filter(action="mission.card_hand_over_refused").count() == 1
    assert client.get(reverse("enrolment:photo", args=[app.reference])).status_code == 200
    assert AuditEvent.objects.filter(action="mission.photo_viewed").count() == 1
