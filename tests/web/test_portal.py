"""The applicant's journey over HTTP: sign up, personal data, apply, upload, submit, follow."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.urls import reverse
from tests.conftest import pdf_bytes, png_bytes

from relocard.cases.models import Application

pytestmark = pytest.mark.django_db


def _token(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def test_applicant_journey_over_http(client):
    from django.core import mail

    r = client.post(reverse("accounts:signup"), {"email": "Anna@Example.test"})
    assert r.status_code == 302 and r["Location"] == reverse("accounts:signup_sent")
    link = next(w for w in mail.outbox[-1].body.split() if "/signup/confirm/" in w)
    r = client.post(
        "/" + link.split("://", 1)[1].split("/", 1)[1],
        {"password": "correct horse battery", "password_again": "correct horse battery"},
    )
    assert r.status_code == 302 and r["Location"] == reverse("portal:profile")
    r = client.post(
        reverse("portal:profile"),
        {
            "surname_cyrillic": "Иванова",
            "given_names_cyrillic": "Анна Сергеевна",
            "surname_latin": "ivanova",
            "given_names_latin": "Anna",
            "date_of_birth": "1990-04-27",
            "nationality": "RU",
            "passport_number": "75 1234567",
            "passport_expiry": "2031-01-01",
            "safe_mode": "on",
        },
    )
    assert r.status_code == 302
    r = client.post(reverse("portal:start"), {"member_state": "FR"})
    app = Application.objects.get()
    assert r["Location"] == reverse("portal:case", args=[app.reference])
    assert app.applicant.surname_latin == "IVANOVA" and app.applicant.passport_number == "751234567"

    # Upload: step 1 asks the kind, step 2 the file and the facts it supports.
    r = client.get(reverse("portal:evidence_add", args=[app.reference]))
    assert "What kind of document" in r.content.decode()
    scan = png_bytes()
    r = client.post(
        reverse("portal:evidence_add", args=[app.reference]) + "?kind=passport",
        {
            "kind": "passport",
            "passport-nationality": "RU",
            "expires_on": "2031-01-01",
            "file": _file("scan.png", scan),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    diploma = pdf_bytes("diploma")
    r = client.post(
        reverse("portal:evidence_add", args=[app.reference]),
        {"kind": "diploma", "diploma-isced_level": "7", "file": _file("d.pdf", diploma)},
    )
    assert r.status_code == 302

    # Submit, with a double click: one submission, and one e-mail saying it arrived (safe
    # mode: nothing but "a new message").
    sent = len(mail.outbox)
    r = client.get(reverse("portal:submit", args=[app.reference]))
    token = _token(r.content.decode())
    for _ in range(2):
        r = client.post(
            reverse("portal:submit", args=[app.reference]), {"token": token, "confirm": "on"}
        )
        assert r.status_code == 302
    app.refresh_from_db()
    assert app.state == "submitted"
    assert app.transitions.filter(to_state="submitted").count() == 1
    assert len(mail.outbox) == sent + 1
    assert mail.outbox[-1].subject == "You have a new message in your account"
    assert app.reference not in mail.outbox[-1].body

    # The receipt lists the SHA-256 of every file.
    r = client.get(reverse("portal:receipt", args=[app.reference]))
    html = r.content.decode()
    assert hashlib.sha256(scan).hexdigest() in html and hashlib.sha256(diploma).hexdigest() in html
    assert "What happens next" in html and "A caseworker of France checks your documents" in html

    r = client.get(reverse("portal:case", args=[app.reference]))
    assert "A decision is due by" in r.content.decode()
    # The applicant's name never appears in a URL.
    assert "IVANOVA" not in r.request["PATH_INFO"]


def _file(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_form_errors_are_listed_and_shown_by_the_fields(client, make_applicant):
    applicant = make_applicant()
    client.force_login(applicant.user)
    r = client.post(
        reverse("portal:profile"),
        {
            "surname_cyrillic": "Ivanova",
            "date_of_birth": "2999-01-01",
            "passport_number": "!!",
            "passport_expiry": "2000-01-01",
        },
    )
    html = r.content.decode()
    assert r.status_code == 400
    assert "There is a problem" in html
    assert "Use Cyrillic letters, as in the passport." in html
    assert "The date of birth must be in the past." in html
    assert "The passport has expired." in html
    assert 'href="#id_surname_cyrillic"' in html  # the summary links to the field


def test_errors_in_russian_for_russian_readers(client, make_applicant):
    applicant = make_applicant()
    client.force_login(applicant.user)
    client.cookies["relocard_language"] = "ru"
    r = client.post(reverse("portal:profile"), {"surname_cyrillic": "Ivanova"})
    html = r.content.decode()
    assert 'lang="ru"' in html
    assert "Возникла проблема" in html
    assert "Используйте кириллицу, как в паспорте." in html


def test_refused_upload_shows_the_reason_and_keeps_nothing(client, make_case):
    app = make_case("draft", evidence=[])
    client.force_login(app.applicant.user)
    r = client.post(
        reverse("portal:evidence_add", args=[app.reference]),
        {"kind": "diploma", "diploma-isced_level": "7", "file": _file("cv.pdf", b"MZ not a pdf")},
    )
    assert r.status_code == 400
    assert "not a readable PDF, PNG or JPEG" in r.content.decode()
    assert app.evidence.count() == 0


def test_language_can_be_switched_on_every_page(client):
    r = client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    assert r.status_code == 302
    r = client.get("/")
    assert "Оформить карту релоканта" in r.content.decode()


def test_evidence_file_is_served_privately(client, make_case):
    app = make_case("draft")
    client.force_login(app.applicant.user)
    item = app.evidence.first()
    r = client.get(reverse("portal:evidence_file", args=[app.reference, item.pk]))
    assert r.status_code == 200
    assert r["Cache-Control"] == "private, no-store"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert b"".join(r.streaming_content).startswith(b"%PDF")


def test_a_draft_lists_the_documents_the_criteria_need(client, make_case):
    app = make_case("draft", evidence=[("passport", {"passport-nationality": "RU"})])
    client.force_login(app.applicant.user)
    html = client.get(reverse("portal:case", args=[app.reference])).content.decode()
    table = html.split('class="checklist stack-small"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>\s*<td[^>]*>(.*?)</td>.*?tag-(\w+)", table, flags=re.S)
    assert rows == [
        ("Nationality", "uploaded"),
        ("Higher education", "missing"),
        ("European language", "missing"),
        ("Liquid assets", "missing"),
    ]
    submit = client.get(reverse("portal:submit", args=[app.reference])).content.decode()
    assert "Some criteria have no document yet" in submit


def test_a_complete_draft_submits_without_a_warning(client, make_case):
    app = make_case("draft")
    client.force_login(app.applicant.user)
    submit = client.get(reverse("portal:submit", args=[app.reference])).content.decode()
    assert "tag-missing" not in submit and "Some criteria have no document yet" not in submit
    assert "The statement below is the applicant's." not in submit  # for officers only
    filed = make_case("submitted")
    client.force_login(filed.applicant.user)
    html = client.get(reverse("portal:case", args=[filed.reference])).content.decode()
    assert 'class="checklist"' not in html  # once filed, the pre-check says more


def test_the_processing_estimate_counts_the_statistics_window_and_explains_its_threshold(
    client, make_case
):
    """Eleven decisions over the last three months, few of them in the last 30 days, once gave
    no estimate at all: the estimate looks at the same 90 days as the statistics page, and when
    there are too few decisions the page says how many there were and how many it needs."""
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    filed = make_case("submitted")
    client.force_login(filed.applicant.user)
    url = reverse("portal:case", args=[filed.reference])
    cache.clear()
    html = client.get(url).content.decode()
    assert "an estimate needs at least 5" in html and "decided in the last 90 days" in html
    now = timezone.now()
    for n in range(6):
        decided = make_case("approved")
        Application.objects.filter(pk=decided.pk).update(
            submitted_at=now - timedelta(days=60 + n), decided_at=now - timedelta(days=40)
        )
    cache.clear()
    html = client.get(url).content.decode()
    assert "9 in 10 applications in this country were decided within 25 days" in html
