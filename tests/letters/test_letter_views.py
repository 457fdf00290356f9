"""The letters on the case pages, the download's edge cases and the public check page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from relocard.letters import services
from relocard.letters.models import DecisionLetter
from relocard.letters.references import new_reference

pytestmark = [pytest.mark.django_db, pytest.mark.render_letters]
VERIFY = "/letters/verify/"


@pytest.fixture
def issued(make_case):
    app = make_case("approved")
    return app, DecisionLetter.objects.get(application=app)


def test_case_pages_list_the_letter(client, issued, staff):
    app, letter = issued
    client.force_login(app.applicant.user)
    page = client.get(reverse("portal:case", args=[app.reference])).content.decode()
    assert letter.reference in page
    assert reverse("letters:download", args=[app.reference, letter.reference]) in page
    client.force_login(staff["caseworker"])
    page = client.get(reverse("console:case", args=[app.reference])).content.decode()
    assert reverse("letters:download", args=[app.reference, letter.reference]) in page


def test_a_pending_letter_shows_its_failures_to_staff_only(
    client, make_case, staff, settings, tmp_path
):
    settings.RELOCARD_LETTER_FONT_DIR = str(tmp_path)
    app = make_case("approved")
    client.force_login(staff["caseworker"])
    page = client.get(reverse("console:case", args=[app.reference])).content.decode()
    assert "Being prepared" in page and "DejaVuSans.ttf is missing" in page
    client.force_login(app.applicant.user)
    page = client.get(reverse("portal:case", args=[app.reference])).content.decode()
    assert "Being prepared" in page and "DejaVuSans" not in page
    letter = DecisionLetter.objects.get(application=app)
    url = reverse("letters:download", args=[app.reference, letter.reference])
    assert client.get(url).status_code == 404  # nothing to download yet


def test_another_cases_letter_under_ones_own_case_is_not_found(client, issued, make_case):
    _app, letter = issued
    mine = make_case("approved")
    client.force_login(mine.applicant.user)
    url = reverse("letters:download", args=[mine.reference, letter.reference])
    assert client.get(url).status_code == 404


def test_verify_by_reference_shows_no_personal_data(client, issued):
    app, letter = issued
    response = client.post(VERIFY, {"reference": letter.reference.lower().replace("-", " ")})
    page = response.content.decode()
    assert response.status_code == 200 and "This letter was issued" in page
    assert "Approval" in page and "FR" in page
    applicant = app.applicant
    for private in (applicant.surname_latin, applicant.given_names_latin, app.reference):
        assert private not in page


def test_verify_with_the_sealed_file(client, issued):
    _app, letter = issued
    data = services.letter_read(letter)
    page = client.post(
        VERIFY,
        {"reference": letter.reference, "file": SimpleUploadedFile("l.pdf", data)},
    ).content.decode()
    assert "Exactly the sealed letter" in page
    tampered = bytearray(data)
    tampered[len(data) // 3] ^= 1
    page = client.post(
        VERIFY,
        {"reference": letter.reference, "file": SimpleUploadedFile("l.pdf", bytes(tampered))},
    ).content.decode()
    assert "Not the sealed letter" in page and "Exactly" not in page


def test_verify_another_sealed_letter_of_the_same_state(client, issued, make_case):
    _app, letter = issued
    other = DecisionLetter.objects.get(application=make_case("approved"))
    page = client.post(
        VERIFY,
        {
            "reference": letter.reference,
            "file": SimpleUploadedFile("l.pdf", services.letter_read(other)),
        },
    ).content.decode()
    assert "Not this letter" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reference": ""}, "This field is required"),
        ({"reference": "hello world"}, "A letter reference looks like"),
        ({"reference": new_reference()}, "No decision letter has this reference"),
    ],
)
def test_verify_bad_input(client, db, data, message):
    response = client.post(VERIFY, data)
    assert response.status_code == 400 and message in response.content.decode()


def test_verify_refuses_a_file_that_is_no_pdf(client, issued):
    _app, letter = issued
    response = client.post(
        VERIFY,
        {"reference": letter.reference, "file": SimpleUploadedFile("x.pdf", b"hello world")},
    )
    assert response.status_code == 400 and "not a PDF" in response.content.decode()


def test_verify_is_rate_limited(client, db, settings):
    settings.RELOCARD_CONFIRM_RATE_PER_IP = "2/60"
    for _ in range(2):
        assert client.post(VERIFY, {"reference": new_reference()}).status_code == 400
    response = client.post(VERIFY, {"reference": new_reference()})
    assert response.status_code == 429 and response["Retry-After"]


def test_verify_page_renders_for_anyone(client, db):
    response = client.get(VERIFY)
    assert response.status_code == 200 and "Check a decision letter" in response.content.decode()
