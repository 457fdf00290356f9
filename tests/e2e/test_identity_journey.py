"""A holder's identity in a browser (issue 11, finding 2): the profile no longer edits it; a
change of identity details, approved by a caseworker, then shows on the re-issued card."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from tests.conftest import png_bytes
from tests.e2e.conftest import PASSWORD

from relocard.cards import credentials as creds

pytestmark = pytest.mark.django_db(transaction=True)


def test_identity_change_approved_then_shown_on_the_card(journey, make_case, staff):
    app = make_case("approved")
    holder = app.applicant.user
    for user in (holder, staff["caseworker"]):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    old = app.cards.get()
    old_payload = creds.latest(old, "rc1").payload
    page = journey.page

    journey.sign_in(holder.email)
    page.goto("/apply/profile/")
    expect(page.get_by_text("Your identity details are verified")).to_be_visible()
    expect(page.get_by_label("Surname in Latin letters")).to_be_disabled()
    journey.check("profile-frozen")
    page.get_by_role("link", name="Change identity details").click()
    page.get_by_label("Surname in Latin letters").fill("PETROVA")
    page.get_by_label("Surname in Cyrillic").fill("Петрова")
    page.get_by_label("A name-change document with the passport").check()
    page.get_by_label("Upload the document").set_input_files(
        {"name": "marriage.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Your request is sent.")).to_be_visible()
    journey.check("identity-change-sent")
    # Until a caseworker approves it, the card keeps the verified identity.
    page.goto(f"/apply/{app.reference}/cards/{old.pk}/")
    expect(page.get_by_text("IVANOVA, ANNA")).to_be_visible()
    journey.sign_out()

    journey.sign_in(staff["caseworker"].email)
    page.goto("/console/")
    page.get_by_role("link", name="Changes of identity details").click()
    page.locator("table a").first.click()
    expect(page.get_by_role("cell", name="PETROVA")).to_be_visible()
    journey.check("identity-change-console")
    page.get_by_label("Approve: the document shows the new details").check()
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("The change of identity details is decided.")).to_be_visible()
    journey.sign_out()

    journey.sign_in(holder.email)
    page.get_by_role("link", name=app.reference).click()
    page.get_by_role("link", name="See, print or download your card").first.click()
    expect(page.get_by_text("PETROVA, ANNA")).to_be_visible()
    journey.check("card-new-identity")
    old.refresh_from_db()
    assert old.status == "revoked"
    assert creds.verify_payload(old_payload).status == "revoked"
