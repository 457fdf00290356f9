"""The foundation's journey: apply, upload, correct, refuse with four eyes; approve and see the card."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.conftest import pdf_bytes, png_bytes
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _upload(journey, kind_label: str, fill, name: str, content: bytes, mime: str):
    page = journey.page
    page.get_by_role("link", name="Upload a document").first.click()
    page.get_by_label(kind_label, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    fill(page)
    page.get_by_label("Upload a file").set_input_files(
        {"name": name, "mimeType": mime, "buffer": content}
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("The document is uploaded.")).to_be_visible()


def _apply(journey, email: str) -> str:
    page = journey.page
    page.goto("/")
    journey.check("start")
    page.get_by_role("link", name="Start now").click()
    page.get_by_label("E-mail address").fill(email)
    journey.check("signup")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    # The link from the e-mail (the test server shares the test's mail outbox).
    from django.core import mail

    link = next(w for w in mail.outbox[-1].body.split() if "/signup/confirm/" in w)
    page.goto("/" + link.split("://", 1)[1].split("/", 1)[1])
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    journey.check("signup-password")
    page.get_by_role("button", name="Create account").click()
    # Personal details: first an empty submit shows the error summary.
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    journey.check("profile-errors")
    page.get_by_label("Surname in Cyrillic").fill("Смирнова")
    page.get_by_label("Given names in Cyrillic").fill("Ольга Петровна")
    page.get_by_label("Surname in Latin letters").fill("SMIRNOVA")
    page.get_by_label("Given names in Latin letters").fill("OLGA")
    journey.fill_date("id_date_of_birth", "1988-03-14")
    page.get_by_label("Passport number").fill(f"75{abs(hash(email)) % 10**7:07d}")
    journey.fill_date("id_passport_expiry", "2032-05-01")
    page.get_by_role("button", name="Save and continue").click()
    journey.check("country")
    page.get_by_label("France").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Upload your documents")).to_be_visible()
    journey.check("draft")
    reference = re.search(r"/apply/([A-Z0-9-]+)/", page.url).group(1)
    _upload(
        journey,
        "Passport",
        lambda p: p.get_by_label("Nationality shown in the passport").select_option("RU"),
        "passport.png",
        png_bytes(),
        "image/png",
    )
    _upload(
        journey,
        "Higher-education diploma",
        lambda p: p.get_by_label("Level of the degree").select_option("7"),
        "diploma.pdf",
        pdf_bytes("d"),
        "application/pdf",
    )

    def language(p):
        p.locator("main").get_by_label("Language", exact=True).select_option("fr")
        p.get_by_label("Level (CEFR)").select_option("B2")

    _upload(
        journey, "Language certificate", language, "delf.pdf", pdf_bytes("l"), "application/pdf"
    )
    _upload(
        journey,
        "Proof of liquid assets",
        lambda p: p.get_by_label("Amount in euros").fill("8000"),
        "bank.pdf",
        pdf_bytes("b"),
        "application/pdf",
    )
    page.get_by_role("link", name="Check and submit").click()
    journey.check("check-answers")
    page.get_by_label("I confirm that the information").check()
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_role("heading", name="Application submitted")).to_be_visible()
    journey.check("receipt")
    expect(page.locator("code").first).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    journey.sign_out()
    return reference


def _open_case(journey, reference: str):
    page = journey.page
    page.goto("/console/")
    journey.check("queue")
    page.get_by_role("link", name=reference).click()
    journey.check("case")


def _verify_all(journey):
    page = journey.page
    while page.get_by_text("Check this document").count():
        details = page.locator("details[open]").filter(
            has=page.get_by_role("button", name=re.compile("Save check"))
        )
        details.first.get_by_label("Verified").check()
        details.first.get_by_role("button", name=re.compile("Save check")).click()
        expect(page.get_by_text("The document check is saved.")).to_be_visible()


def test_apply_correct_refuse_confirm_then_approve(journey, staff):
    page = journey.page
    for user in staff.values():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])

    reference = _apply(journey, "olga@example.test")

    # The caseworker starts the review, checks the documents and asks for a correction.
    journey.sign_in(staff["caseworker"].email)
    _open_case(journey, reference)
    page.get_by_role("button", name="Start review").click()
    _verify_all(journey)
    journey.check("case-verified")
    page.get_by_text("Ask the applicant for a correction").click()
    page.get_by_label("What should the applicant correct or add?").fill(
        "Please add your lease contract."
    )
    page.get_by_role("button", name="Send correction request").click()
    expect(page.get_by_text("The correction request is sent")).to_be_visible()
    journey.sign_out()

    # The applicant reads the request, uploads the lease and answers.
    journey.sign_in("olga@example.test")
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_text("Please add your lease contract.", exact=True).first).to_be_visible()
    journey.check("correction-requested")
    page.get_by_role("link", name="Answer the request").click()

    def lease(p):
        p.get_by_label("I rent it").check()
        p.get_by_label("Country of the home").select_option("FR")

    _upload(
        journey, "Lease or title deed", lease, "lease.pdf", pdf_bytes("lease"), "application/pdf"
    )
    page.get_by_role("link", name="Answer the request").click()
    journey.check("correct")
    page.get_by_label("Your answer to the caseworker").fill("I added the lease.")
    page.get_by_role("button", name="Send corrections").click()
    expect(page.get_by_text("Your corrections are sent.")).to_be_visible()
    journey.sign_out()

    # The caseworker proposes a refusal (assets too low); a supervisor confirms it.
    journey.sign_in(staff["caseworker"].email)
    _open_case(journey, reference)
    _verify_all(journey)
    page.get_by_text("Propose a refusal").click()
    page.get_by_role("textbox", name="Liquid assets").fill(
        "EUR 8,000 is below the EUR 12,000 required."
    )
    page.get_by_role("button", name="Propose refusal").click()
    expect(page.get_by_text("A supervisor must confirm it.")).to_be_visible()
    journey.sign_out()
    journey.sign_in(staff["supervisor"].email)
    _open_case(journey, reference)
    page.get_by_label("I have read the reasons and confirm the refusal").check()
    page.get_by_role("button", name="Confirm refusal").click()
    expect(page.get_by_text("The refusal is confirmed")).to_be_visible()
    journey.sign_out()

    # The applicant sees the reasons and the appeal deadline.
    journey.sign_in("olga@example.test")
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_text("EUR 8,000 is below the EUR 12,000 required.").first).to_be_visible()
    expect(page.get_by_text(re.compile("You can appeal until"))).to_be_visible()
    journey.check("refused")
    journey.sign_out()

    # A second application (in Germany) is approved and the applicant sees the card.
    journey.sign_in("olga@example.test")
    page.get_by_role("link", name="Start a new application").click()
    page.get_by_label("Germany").check()
    page.get_by_role("button", name="Continue").click()
    second = re.search(r"/apply/([A-Z0-9-]+)/", page.url).group(1)
    _upload(
        journey,
        "Passport",
        lambda p: p.get_by_label("Nationality shown in the passport").select_option("RU"),
        "passport.png",
        png_bytes(),
        "image/png",
    )
    page.get_by_role("link", name="Check and submit").click()
    page.get_by_label("I confirm that the information").check()
    page.get_by_role("button", name="Submit application").click()
    journey.sign_out()
    journey.sign_in(staff["caseworker_de"].email)
    _open_case(journey, second)
    page.get_by_role("button", name="Start review").click()
    _verify_all(journey)
    # Only the passport is there: the caseworker cannot approve alone, and sees why.
    expect(page.get_by_text("Approval is not available yet")).to_be_visible()
    expect(page.locator(".approval-blockers li").first).to_contain_text("not yet known")
    expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    journey.check("approval-gate")
    page.locator("summary", has_text="Propose an approval with an exception").click()
    for box in page.locator("textarea[name^='exception_']").all():
        box.fill("Highly qualified specialist recruited by a German research institute.")
    page.get_by_role("button", name="Propose approval with exception").click()
    expect(page.get_by_text("A supervisor must confirm it.")).to_be_visible()
    journey.sign_out()
    journey.sign_in(staff["supervisor_de"].email)
    _open_case(journey, second)
    page.get_by_role("button", name="Confirm approval").click()
    expect(page.get_by_text("The approval is confirmed and the card is issued.")).to_be_visible()
    journey.sign_out()
    journey.sign_in("olga@example.test")
    expect(page.get_by_text("Relocatee card").first).to_be_visible()
    expect(page.locator(".card-number")).to_have_text(
        re.compile(r"^DE-[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$")
    )
    journey.check("card")


def test_russian_pages_pass_axe_too(journey, make_case):
    """The same checks in Russian: language attribute, labels and error summary."""
    page = journey.page
    page.goto("/")
    page.get_by_label("Language").select_option("ru")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", name="Оформить карту релоканта")).to_be_visible()
    journey.check("home-ru")
    page.goto("/accounts/signup/")
    page.locator("main").get_by_role("button").click()
    expect(page.get_by_text("Возникла проблема")).to_be_visible()
    journey.check("signup-errors-ru")
