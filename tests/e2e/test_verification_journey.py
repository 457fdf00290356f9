"""Checking a card, in the browser: a holder's rent code, a landlord's checks, a revoked card's QR.

axe-core checks every page of the journey (no serious or critical violation).
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import PASSWORD
from tests.verification.conftest import make_verifier  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in_as_verifier(journey, email: str) -> None:
    page = journey.page
    page.goto("/verify/sign-in/")
    journey.check("verifier-sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    journey.pass_second_factor(email)
    expect(page.get_by_role("heading", name="Check relocatee cards")).to_be_visible()


def _check_code(journey, code: str, birthday: str, label: str) -> None:
    page = journey.page
    page.get_by_role("navigation", name="Checking cards").get_by_role(
        "link", name="Check a share code"
    ).click()
    page.get_by_label("Share code").fill(code)
    journey.fill_date("id_date_of_birth", birthday)
    page.get_by_label("Why are you checking?").fill("Tenancy application for flat 3")
    journey.check(f"{label}-form")
    page.locator("main").get_by_role("button", name="Check").click()


def test_rent_code_checks_revocation_and_qr(journey, make_case, make_verifier, staff):  # noqa: F811
    from relocard.cards import services as card_services

    page = journey.page
    application = make_case("approved")
    card = application.cards.get()
    holder = card.applicant.user
    landlord = make_verifier("private_landlord")
    for user in (holder, landlord):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    birthday = card.applicant.date_of_birth.isoformat()

    # The holder makes a rent code from the card page and downloads the card's PDF.
    journey.sign_in(holder.email)
    journey.check("dashboard")
    page.get_by_role("link", name="See, print or download your card").click()
    journey.check("card")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF (A4 page)").click()
    card_pdf = download.value.path().read_bytes()
    page.get_by_role("link", name="Make a share code").click()
    journey.check("code-new")
    page.get_by_label("Right to rent").check()
    page.get_by_role("button", name="Make the code").click()
    shown = page.locator(".code-display")
    expect(shown).to_have_text(re.compile(r"^R[0-9A-Z]{2} [0-9A-Z]{3} [0-9A-Z]{3}$"))
    code = shown.inner_text()
    journey.check("code-created")
    journey.sign_out()

    # A landlord checks it: a wrong date of birth is refused, the right one shows "Valid".
    _sign_in_as_verifier(journey, landlord.email)
    journey.check("verifier-home")
    _check_code(journey, code, "1970-01-01", "wrong-birthday")
    expect(page.get_by_text("do not match a code in use")).to_be_visible()
    expect(page.get_by_text(card.applicant.surname_latin)).to_have_count(0)
    journey.check("refused")
    _check_code(journey, code.lower().replace(" ", ""), birthday, "right-birthday")
    expect(page.get_by_role("heading", name="Valid")).to_be_visible()
    expect(page.get_by_text(card.applicant.latin_name)).to_be_visible()
    expect(page.get_by_text("Right to rent", exact=True)).to_be_visible()
    journey.check("valid")
    journey.sign_out()

    # The holder sees the checks in their list, then revokes the code.
    journey.sign_in(holder.email)
    page.get_by_role("link", name="Share codes and who checked your card").click()
    checks = page.locator("#checks + table")
    expect(checks.get_by_text(landlord.verifier_membership.organisation.name)).to_have_count(2)
    expect(checks.get_by_text("Tenancy application for flat 3")).to_have_count(2)
    journey.check("who-checked")
    page.get_by_role("button", name=re.compile("Revoke the code for right to rent")).click()
    expect(page.get_by_text("The code is revoked.")).to_be_visible()
    journey.check("revoked-code")
    journey.sign_out()

    # The next check with the revoked code fails.
    _sign_in_as_verifier(journey, landlord.email)
    _check_code(journey, code, birthday, "after-revocation")
    expect(page.get_by_text("do not match a code in use")).to_be_visible()

    # A caseworker revokes the card (a supervisor confirms); its printed QR is then not valid.
    change = card_services.card_status_propose(
        actor=staff["caseworker"], card=card, action="revoke", reason="Obtained by fraud."
    )
    card_services.card_status_confirm(actor=staff["supervisor"], change=change)
    import pypdfium2

    image = pypdfium2.PdfDocument(card_pdf)[0].render(scale=3).to_pil()
    png = io.BytesIO()
    image.save(png, "PNG")
    page.get_by_role("navigation", name="Checking cards").get_by_role(
        "link", name="Check a QR code"
    ).click()
    journey.check("qr-form")
    page.get_by_label("Or upload a photo, scan or PDF of the card").set_input_files(
        {"name": "card.png", "mimeType": "image/png", "buffer": png.getvalue()}
    )
    page.get_by_label("Why are you checking?").fill("Viewing of flat 3")
    page.locator("main").get_by_role("button", name="Check").click()
    expect(page.get_by_role("heading", name="Not valid")).to_be_visible()
    expect(page.get_by_text("revoked")).to_be_visible()
    journey.check("qr-not-valid")
    with page.expect_download() as record:
        page.get_by_role("link", name=re.compile("Download the record of this check")).click()
    assert record.value.path().read_bytes().startswith(b"%PDF-")

    # Anyone can confirm the check by its id, and sees nothing about the holder.
    check_id = page.locator(".caption .mono").inner_text()
    journey.sign_out()
    page.goto("/verify/confirm/")
    page.get_by_label("Check id").fill(check_id)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("This check took place")).to_be_visible()
    expect(page.get_by_text(card.applicant.surname_latin)).to_have_count(0)
    journey.check("confirm")
