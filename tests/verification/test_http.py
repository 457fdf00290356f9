"""The pages of checking a card, through HTTP: holders, verifiers, the public confirmation."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.test.utils import override_settings
from django.urls import reverse
from tests.conftest import pass_second_factor

from relocard.accounts.models import User
from relocard.audit.models import AuditEvent
from relocard.cards import credentials as creds
from relocard.verification.models import CardCheck, ShareCode, VerifierOrganisation

pytestmark = pytest.mark.django_db


def test_holder_makes_sees_and_revokes_a_code(client, card):
    client.force_login(card.applicant.user)
    page = client.get(reverse("portal:card", args=[card.application.reference, card.pk]))
    assert reverse("verification:share_code_new").encode() in page.content
    assert client.post(reverse("verification:share_code_new"), {}).status_code == 400
    response = client.post(
        reverse("verification:share_code_new"), {"purpose": "rent", "card": card.pk}
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    shown = re.search(rb'class="code-display"[^>]*>([0-9A-Z ]{11})<', response.content).group(1)
    code = shown.decode().replace(" ", "")
    assert code.startswith("R") and ShareCode.objects.get().digest != code
    listing = client.get(reverse("verification:share_codes"))
    assert b"In use" in listing.content and code.encode() not in listing.content
    row = ShareCode.objects.get()
    client.post(reverse("verification:share_code_revoke", args=[row.pk]))
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_a_code_outliving_the_card_says_so(client, card):
    from datetime import timedelta

    from django.utils import timezone

    from relocard.cards.models import Card

    client.force_login(card.applicant.user)
    new = reverse("verification:share_code_new")
    page = client.post(new, {"purpose": "bank", "card": card.pk}).content.decode()
    assert "A check with this code after that day" not in page  # the card outlives the code
    Card.objects.filter(pk=card.pk).update(valid_until=timezone.localdate() + timedelta(days=30))
    page = client.post(new, {"purpose": "bank", "card": card.pk}).content.decode()
    assert "A check with this code after that day shows the card as not valid" in page


def test_verifier_registers_and_waits_for_approval(client, member_states, staff):
    data = {
        "kind": "letting_agent",
        "name": "Agence du Parc",
        "country": "FR",
        "registration_number": "RCS Paris 123",
        "email": "agent@example.test",
    }
    assert client.post(reverse("verification:register"), {**data, "kind": ""}).status_code == 400
    response = client.post(reverse("verification:register"), data)
    # The address is proven first: the password is chosen from the e-mailed link.
    assert response["Location"] == reverse("verification:register_sent")
    assert not User.objects.filter(email="agent@example.test").exists()
    link = next(w for w in mail.outbox[-1].body.split() if "/verify/register/confirm/" in w)
    assert "Agence" not in link  # the organisation's name travels encrypted
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    password = {"password": "a-long-agent-password", "password_again": "a-long-agent-password"}
    response = client.post(path, password)
    assert response.status_code == 302 and response["Location"] == reverse("verification:home")
    # Every verifier signs in with a second factor: enrolment comes first.
    assert client.get(reverse("verification:home"))["Location"].startswith(
        reverse("accounts:second_factor")
    )
    pass_second_factor(client, User.objects.get(email="agent@example.test"))
    home = client.get(reverse("verification:home"))
    assert b"awaiting approval" in home.content
    refused = client.get(reverse("verification:check_code"))
    assert refused.status_code == 403
    # A programme admin approves it in the console page.
    org = VerifierOrganisation.objects.get(name="Agence du Parc")
    client.force_login(staff["programme_admin"])
    listing = client.get(reverse("verification:organisations"))
    assert b"Agence du Parc" in listing.content
    client.post(reverse("verification:organisation_decide", args=[org.pk]), {"status": "approved"})
    org.refresh_from_db()
    assert org.status == "approved"


def test_verifier_signs_in_on_their_own_page(client, landlord):
    response = client.post(
        reverse("verification:sign_in"),
        {"username": landlord.email, "password": "a-long-test-password"},
    )
    # The platform's sign-in: the second factor, then the verifiers' home.
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:second_factor") + "?next=%2Fverify%2F"


def _check(client, code, birthday, reason="Tenancy application"):
    return client.post(
        reverse("verification:check_code"),
        {"code": code, "date_of_birth": str(birthday), "reason": reason},
    )


def test_a_share_code_check_and_its_record(client, card, make_code, landlord):
    code = make_code("rent")
    client.force_login(landlord)
    response = _check(client, code, card.applicant.date_of_birth)
    assert response.status_code == 302
    result = client.get(response["Location"])
    text = result.content.decode()
    assert "Valid" in text and card.applicant.latin_name in text and "Right to rent" in text
    assert card.number not in text and card.applicant.passport_number not in text
    recorded = CardCheck.objects.get()
    pdf = client.get(reverse("verification:check_record", args=[recorded.check_id]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    import pypdfium2

    page_text = pypdfium2.PdfDocument(pdf.content)[0].get_textpage().get_text_range()
    assert recorded.check_id in page_text and card.applicant.surname_latin in page_text
    assert AuditEvent.objects.filter(action="verification.check_viewed").count() == 2


def _masked(response) -> str:
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", text)
    text = re.sub(r"CHK-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}", "CHK-ID", text)
    text = re.sub(r'name="code"[^>]*value="[^"]*"', "CODE", text)
    return re.sub(r'name="date_of_birth(_[012])?"[^>]*value="[^"]*"', "BIRTHDAY", text)


def test_wrong_code_and_wrong_birthday_look_the_same(client, card, make_code, landlord):
    code = make_code("rent")
    other = "R" + ("2" if code[1] != "2" else "3") + code[2:]
    client.force_login(landlord)
    wrong_code = _check(client, other, card.applicant.date_of_birth)
    wrong_birthday = _check(client, code, "1971-01-02")
    assert wrong_code.status_code == wrong_birthday.status_code == 400
    assert b"do not match" in wrong_code.content
    assert _masked(wrong_code) == _masked(wrong_birthday)
    assert card.applicant.surname_latin.encode() not in wrong_birthday.content


@override_settings(RELOCARD_SHARE_CODE_MAX_FAILURES=2)
def test_locking_tells_the_holder(client, card, make_code, landlord):
    code = make_code("rent")
    client.force_login(landlord)
    mail.outbox.clear()
    _check(client, code, "1971-01-02")
    _check(client, code, "1971-01-03")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [card.applicant.user.email]
    client.force_login(card.applicant.user)
    assert b"Locked" in client.get(reverse("verification:share_codes")).content


@override_settings(RELOCARD_CHECK_RATE_PER_IP="2/60")
def test_web_checks_are_rate_limited(client, landlord):
    client.force_login(landlord)
    for _ in range(2):
        assert _check(client, "R12345678", "1990-01-01").status_code == 400
    limited = _check(client, "R12345678", "1990-01-01")
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert CardCheck.objects.count() == 2


def _card_png(card) -> bytes:
    import pypdfium2

    image = pypdfium2.PdfDocument(creds.card_pdf(card, size="A4"))[0].render(scale=3).to_pil()
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_qr_checks_by_paste_and_upload(client, card, landlord):
    client.force_login(landlord)
    url = reverse("verification:check_qr")
    page = client.get(url)
    assert b"relocard/qr-scan.js" in page.content and b"<script>" not in page.content
    pasted = client.post(url, {"payload": creds.latest(card, "rc1").payload, "reason": "Viewing"})
    assert pasted.status_code == 302
    assert b"Valid" in client.get(pasted["Location"]).content
    upload = io.BytesIO(_card_png(card))
    upload.name = "card.png"
    uploaded = client.post(url, {"file": upload, "reason": "Viewing"})
    assert uploaded.status_code == 302
    junk = io.BytesIO(b"GIF89a nonsense")
    junk.name = "x.gif"
    refused = client.post(url, {"file": junk, "reason": "Viewing"})
    assert refused.status_code == 400 and b"not an image" in refused.content
    assert client.post(url, {"reason": "Viewing"}).status_code == 400


def test_a_pasted_text_that_is_no_cards_qr_says_so_not_forged(client, card, landlord):
    client.force_login(landlord)
    url = reverse("verification:check_qr")
    pasted = client.post(url, {"payload": "hello world", "reason": "Viewing"})
    assert pasted.status_code == 302
    text = client.get(pasted["Location"]).content.decode()
    assert "Not a relocatee-card QR code" in text and "Not a genuine card" not in text
    payload = creds.latest(card, "rc1").payload
    forged = payload[:-12] + ("A" if payload[-12] != "A" else "B") + payload[-11:]
    text = client.get(client.post(url, {"payload": forged, "reason": "Viewing"})["Location"])
    assert "Not a genuine card" in text.content.decode()
    assert "Not a relocatee-card" not in text.content.decode()


def test_public_confirmation_shows_no_personal_data(client, card, make_code, landlord):
    code = make_code("rent")
    client.force_login(landlord)
    _check(client, code, card.applicant.date_of_birth)
    recorded = CardCheck.objects.get()
    client.logout()
    url = reverse("verification:confirm")
    found = client.get(url, {"check_id": recorded.check_id.lower()})
    text = found.content.decode()
    assert found.status_code == 200 and "This check took place" in text
    assert recorded.organisation.name in text and "Valid" in text
    for secret in (card.applicant.surname_latin, card.number, "Tenancy application"):
        assert secret not in text
    missing = client.get(url, {"check_id": "CHK-00000-00000-00000"})
    assert missing.status_code == 400 and b"No check has this id" in missing.content
    assert client.get(url, {"check_id": "nonsense"}).status_code == 400


@override_settings(RELOCARD_CONFIRM_RATE_PER_IP="2/60")
def test_confirmation_is_rate_limited(client, db):
    url = reverse("verification:confirm")
    for _ in range(2):
        client.get(url, {"check_id": "CHK-00000-00000-00000"})
    assert client.get(url, {"check_id": "CHK-00000-00000-00000"}).status_code == 429


def test_manager_adds_colleague_and_api_key(client, make_verifier):
    manager = make_verifier("bank")
    client.force_login(manager)
    url = reverse("verification:organisation")
    assert client.post(url, {"form": "member", "email": "nope"}).status_code == 400
    client.post(url, {"form": "member", "email": "teller@example.test"})
    # The colleague is listed once they have set their password (no account oracle).
    assert b"teller@example.test" not in client.get(url).content
    teller = User.objects.get(email="teller@example.test")
    teller.set_password("a-long-teller-password")
    teller.save(update_fields=["password"])
    assert b"teller@example.test" in client.get(url).content
    created = client.post(url, {"form": "key", "name": "KYC"})
    key = re.search(rb"rck_[A-Za-z0-9_\-]+", created.content).group(0).decode()
    assert created["Cache-Control"] == "no-store" and key.encode() not in client.get(url).content


def test_holder_list_has_no_n_plus_one(
    client, card, make_code, landlord, django_assert_max_num_queries
):
    from relocard.verification import services

    org = VerifierOrganisation.objects.get(memberships__user=landlord)
    for _ in range(3):
        code = make_code("rent")
        for _ in range(3):
            services.check_by_share_code(
                organisation=org,
                user=landlord,
                code=code,
                date_of_birth=card.applicant.date_of_birth,
                reason="x",
            )
    client.force_login(card.applicant.user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("verification:share_codes"))
    assert response.content.count(b"Right to rent") >= 9
