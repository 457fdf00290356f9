"""At 390 px (a phone), no main page of any role is wider than the screen, and axe-core finds
no serious or critical violation there: `/share-codes/` (485 px), `/trips/` (435 px) and the
case page once overflowed, and a card number wrapped over nine lines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.e2e.conftest import PASSWORD
from tests.verification.conftest import make_verifier  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
WIDEST = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 391)
  .map(e => [e.tagName + (e.className ? '.' + e.className : ''), Math.round(e.getBoundingClientRect().right)])
  .slice(0, 8)"""


def _fits(journey, path: str, label: str) -> None:
    page = journey.page
    page.goto(path)
    page.wait_for_load_state()
    assert "/sign-in/" not in page.url and "/login/" not in page.url, page.url
    journey.check(f"phone-{label}")
    width = page.evaluate("document.documentElement.scrollWidth")
    # Name the widest elements, so that a failure says what to fix.
    wide = page.evaluate(WIDEST) if width > PHONE["width"] else []
    assert width <= PHONE["width"], f"{path} is {width} px wide at 390 px: {wide}"


def test_main_pages_of_every_role_fit_a_phone(journey, make_case, make_verifier, staff):  # noqa: F811
    from relocard.presence import services as presence
    from relocard.verification import services as verification

    journey.page.set_viewport_size(PHONE)
    application = make_case("approved")
    card = application.cards.get()
    holder = card.applicant.user
    holder.set_password(PASSWORD)
    holder.save(update_fields=["password"])
    verification.share_code_create(actor=holder, card=card, purpose="rent")
    verification.share_code_create(actor=holder, card=card, purpose="bank")
    start = card.valid_from
    presence.trip_save(
        actor=holder,
        applicant=card.applicant,
        left=start + timedelta(days=10),
        returned=start + timedelta(days=20),
        destination="DE",
    )
    reference = application.reference

    journey.sign_in(holder.email)
    for path, label in [
        ("/apply/", "dashboard"),
        (f"/apply/{reference}/", "case"),
        (f"/apply/{reference}/cards/{card.pk}/", "card"),
        ("/share-codes/", "share-codes"),
        ("/trips/", "trips"),
        ("/apply/messages/", "messages"),
        ("/accounts/security/", "security"),
    ]:
        _fits(journey, path, label)
    journey.sign_out()

    caseworker = staff["caseworker"]
    caseworker.set_password(PASSWORD)
    caseworker.save(update_fields=["password"])
    journey.sign_in(caseworker.email)
    for path, label in [
        ("/console/", "queue"),
        (f"/console/cases/{reference}/", "console-case"),
    ]:
        _fits(journey, path, label)
    journey.sign_out()

    landlord = make_verifier("private_landlord")
    landlord.set_password(PASSWORD)
    landlord.save(update_fields=["password"])
    page = journey.page
    page.goto("/verify/sign-in/")
    page.get_by_label("E-mail address").fill(landlord.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    journey.pass_second_factor(landlord.email)
    for path, label in [
        ("/verify/", "verifier-home"),
        ("/verify/share-code/", "check-code"),
        ("/verify/qr/", "check-qr"),
    ]:
        _fits(journey, path, label)
