"""At 390 px (a phone), no main page of any role is wider than the screen, and axe-core finds
no serious or critical violation there: `/share-codes/` (485 px), `/trips/` (435 px) and the
case page once overflowed, and a card number wrapped over nine lines. Every journey's page
check (``Journey.check``) does the same at 390 px; this test opens the main pages of every
role, the humanitarian officer's and the referrer's included, at a phone's size only, and
checks that the wide tables stack (each row a block of labelled cells) instead of wrapping."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from tests.e2e.conftest import PASSWORD, PHONE
from tests.humanitarian.conftest import GROUNDS_TEXT, travellers
from tests.verification.conftest import make_verifier  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)

# Each stacked row's cells, as [label, top, bottom] in the row's order.
STACKED_ROWS = """selector => [...document.querySelectorAll(selector + ' tbody tr')].map(tr =>
  [...tr.querySelectorAll('td')].map(td => [td.dataset.label || '',
    td.getBoundingClientRect().top, td.getBoundingClientRect().bottom]))"""


def _fits(journey, path: str, label: str) -> None:
    """Open ``path`` at 390 px: the page check runs axe-core and measures the page's width."""
    page = journey.page
    page.goto(path)
    page.wait_for_load_state()
    assert "/sign-in/" not in page.url and "/login/" not in page.url, page.url
    journey.check(f"phone-{label}")


def _stacks(journey, selector: str) -> None:
    """Each row of the table is a block whose labelled cells sit one under the other."""
    rows = journey.page.evaluate(STACKED_ROWS, selector)
    assert rows, f"no rows in {selector} on {journey.page.url}"
    for cells in rows:
        labelled = [c for c in cells if c[0]]
        assert len(labelled) >= 2, f"{selector}: cells without data-label: {cells}"
        for above, below in itertools.pairwise(labelled):
            assert below[1] >= above[2] - 1, f"{selector}: cells side by side: {cells}"


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

    draft = make_case("draft")
    draft.applicant.user.set_password(PASSWORD)
    draft.applicant.user.save(update_fields=["password"])
    journey.sign_in(draft.applicant.user.email)
    _fits(journey, f"/apply/{draft.reference}/", "draft-case")
    _stacks(journey, "table.checklist")
    journey.sign_out()

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
    _stacks(journey, "table.stack-small")  # the case's history
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


def test_humanitarian_officer_and_referrer_pages_fit_a_phone(journey, make_user, staff):
    from relocard.accounts.models import Role
    from relocard.humanitarian import services as hs

    journey.page.set_viewport_size(PHONE)
    admin = staff["programme_admin"]
    organisation = hs.referring_organisation_register(
        actor=admin, name="Kovcheg Hilfe e.V.", country="FR", registration_number="VR 12345 B"
    )
    hs.referring_organisation_decide(actor=admin, organisation=organisation, approve=True)
    referrer = make_user()
    hs.referrer_add(actor=admin, organisation=organisation, user=referrer)
    referrer.refresh_from_db()
    officer = make_user(Role.HUMANITARIAN_OFFICER, "FR")
    others = [make_user(Role.HUMANITARIAN_OFFICER, "FR") for _ in range(2)]
    for user in (referrer, officer):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    request = hs.request_refer(
        actor=referrer,
        visa_kind="national",
        grounds=GROUNDS_TEXT,
        travellers=travellers(2),
        consent=True,
    )
    proposal = hs.assignment_propose(actor=officer, request=request, officer=officer)
    hs.assignment_confirm(actor=others[0], proposal=proposal)
    entry = request.entry_id

    journey.sign_in(referrer.email)
    _fits(journey, "/humanitarian/refer/", "referrer")
    journey.sign_out()

    journey.sign_in(officer.email)
    for path, label, stacked in [
        ("/humanitarian/officer/", "officer-queue", True),
        (f"/humanitarian/officer/{entry}/", "officer-request", False),
        (f"/humanitarian/officer/{entry}/grounds/", "officer-grounds", True),
        ("/humanitarian/officer/statistics/", "officer-statistics", True),
    ]:
        _fits(journey, path, label)
        if stacked:  # the queue, the travellers and the statistics: rows, not squeezed columns
            _stacks(journey, "main table.stack-small")

    # The page check itself fails on a page wider than the phone, and says by how much.
    # (Set through the CSSOM: the site's content security policy refuses inline styles.)
    journey.page.evaluate(
        """() => { const wide = document.createElement('div');
                   wide.id = 'too-wide'; wide.textContent = 'wide'; wide.style.width = '600px';
                   document.querySelector('main').append(wide); }"""
    )
    with pytest.raises(AssertionError, match=r"(?s)\d+ px wide at 390 px: .*too-wide"):
        journey.check("phone-too-wide")
