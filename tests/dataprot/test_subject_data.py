"""Data subject rights: a holder downloads everything held about them, and the download is audited."""

from __future__ import annotations

import json

import pypdfium2
import pytest
from django.urls import reverse

from relocard.audit.models import AuditEvent
from relocard.verification import services as vs

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder_with_a_check(make_case, make_user):
    from relocard.accounts.models import Role

    app = make_case("approved")
    card = app.cards.get()
    holder = app.applicant.user
    _row, code = vs.share_code_create(actor=holder, card=card, purpose="rent")
    landlord = vs.organisation_register(
        email="owner@flats.example",
        password="a-long-test-password",
        name="Flats of Lyon",
        kind="letting_agent",
        country="FR",
        registration_number="RCS 9",
    )
    admin = make_user(Role.PROGRAMME_ADMIN)
    vs.organisation_decide(
        actor=admin, organisation=landlord.verifier_membership.organisation, status="approved"
    )
    landlord.verifier_membership.organisation.refresh_from_db()
    vs.check_by_share_code(
        organisation=landlord.verifier_membership.organisation,
        user=landlord,
        code=code,
        date_of_birth=app.applicant.date_of_birth,
        reason="Tenancy application for flat 3",
    )
    return holder, app, card


def test_the_json_download_holds_every_kind_of_record(client, holder_with_a_check):
    holder, app, card = holder_with_a_check
    client.force_login(holder)
    response = client.get(reverse("portal:my_data_json"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    profile = data["profile"]
    assert data["account"]["email"] == holder.email
    assert profile["surname_cyrillic"] == "Иванова"
    assert profile["passport_number"] == app.applicant.passport_number
    case = profile["applications"][0]
    assert case["reference"] == app.reference
    assert {"transitions", "evidence", "decisions"} <= set(case)
    evidence = case["evidence"][0]
    assert len(evidence["sha256"]) == 64 and evidence["file"] is True
    cards = case["cards"]
    assert cards[0]["number"] == card.number
    check = cards[0]["checks"][0]
    assert check["reason"] == "Tenancy application for flat 3"
    assert check["organisation"] == "Flats of Lyon"
    assert "checked_by" not in check or check["checked_by"] == {"role": "verifier"}
    assert profile.get("share_codes") or cards[0].get("share_codes")
    text = response.content.decode()
    for secret in ("digest", "password", "payload", "passport_index", "name_index"):
        assert f'"{secret}"' not in text
    assert "a-long-test-password" not in text
    event = AuditEvent.objects.get(action="subject.data_exported")
    assert event.actor == holder and event.data == {"format": "json"}


def test_the_pdf_download_is_readable(client, holder_with_a_check):
    holder, app, _card = holder_with_a_check
    client.force_login(holder)
    response = client.get(reverse("portal:my_data_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.content)
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert app.reference in text and "Tenancy application for flat 3" in text
    assert AuditEvent.objects.filter(action="subject.data_exported").count() == 1


def test_only_the_person_downloads_their_data(client, staff, holder_with_a_check):
    url = reverse("portal:my_data_json")
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(staff["caseworker"])
    response = client.get(url)
    assert response.status_code == 302 and "/console/" in response["Location"]
    assert not AuditEvent.objects.filter(action="subject.data_exported").exists()
