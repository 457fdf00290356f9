"""A consular walk-in in a browser (issue 11, finding 5): the officer opens a case with the
address of someone who already has an account (and a case in another member state); the
officer's outcome is the same as for a new address, nothing is attached to that account, and
the person links the case from their own account with the link from the e-mail."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _open_walkin(journey, email: str) -> str:
    page = journey.page
    page.goto("/console/embassy/new/")
    journey.check("embassy-form")
    page.get_by_label("Applicant's e-mail address").fill(email)
    page.get_by_label("Surname in Cyrillic").fill("Петров")
    page.get_by_label("Given names in Cyrillic").fill("Пётр")
    page.get_by_label("Surname in Latin letters").fill("PETROV")
    page.get_by_label("Given names in Latin letters").fill("PETR")
    journey.fill_date("id_date_of_birth", "1985-02-03")
    page.get_by_label("Passport number").fill("761234567")
    journey.fill_date("id_passport_expiry", "2032-01-01")
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_text("The applicant is invited by e-mail")).to_be_visible()
    return re.search(r"/apply/([A-Z0-9-]+)/", page.url).group(1)


def test_walkin_with_an_address_in_use_is_linked_by_its_owner(journey, make_case, staff):
    from django.core import mail

    from relocard.accounts.models import Applicant
    from relocard.cases.models import Application

    page = journey.page
    officer = staff["consular_officer"]
    officer.set_password(PASSWORD)
    officer.save(update_fields=["password"])
    # A person with an account and a case in Germany, whose passport the officer copies.
    german = make_case("submitted", member_state="DE")
    person = german.applicant
    Applicant.objects.filter(pk=person.pk).update(
        passport_number="761234567", date_of_birth="1985-02-03"
    )
    person.user.set_password(PASSWORD)
    person.user.save(update_fields=["password"])

    journey.sign_in(officer.email)
    new_ref = _open_walkin(journey, "someone-new@example.test")
    new_page = page.locator("main").inner_text()
    used_ref = _open_walkin(journey, person.user.email)
    journey.check("walkin-opened")
    # The same outcome for a new address and one in use; the officer sees only what they typed.
    assert page.locator("main").inner_text().replace(used_ref, "REF") == new_page.replace(
        new_ref, "REF"
    )
    expect(page.get_by_text(german.reference)).to_have_count(0)
    assert Application.objects.get(reference=used_ref).applicant.user_id is None
    journey.sign_out()

    # The person opens the link from the e-mail, signs in and links the case.
    # (Their own case's submission e-mailed them before; the invitation is the one with a link.)
    message = next(m for m in mail.outbox if m.to == [person.user.email] and "/walk-in/" in m.body)
    link = next(w for w in message.body.split() if "/walk-in/" in w)
    page.goto("/" + link.split("://", 1)[1].split("/", 1)[1])
    journey.check("walkin-link")
    page.get_by_role("link", name="Sign in to link the application").click()
    page.get_by_label("E-mail address").fill(person.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Link the application to my account").click()
    expect(page.get_by_text("The application is linked to your account.")).to_be_visible()
    journey.check("walkin-linked")
    page.goto("/apply/")
    expect(page.get_by_role("link", name=used_ref)).to_be_visible()
    expect(page.get_by_role("link", name=german.reference)).to_be_visible()
