"""The security screening in the browser: a case whose person resembles a listed person reaches
the screening officers, two officers clear the false match, the national checks are answered
with four eyes, and the caseworker then approves the case. The applicant sees only that
additional checks are under way; the caseworker only that screening holds the case.

axe-core checks every page; the officers' pages are also checked at 390 px.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _listed_zhukova() -> bytes:
    from relocard.core.screening import BirthDate, Entity, NameAlias, SubjectType
    from relocard.core.screening.fsf import write_list

    entity = Entity(
        logical_id="900101",
        reference="EU.9001.01",
        subject_type=SubjectType.PERSON,
        aliases=(
            NameAlias(whole_name="Yuliya Vladimirovna ZHUKOVA"),
            NameAlias(whole_name="Юлия Владимировна ЖУКОВА", language="RU"),
        ),
        birth_dates=(BirthDate(full=date(1980, 9, 30)),),
    )
    return write_list(datetime(2026, 5, 8, tzinfo=UTC), [entity], global_file_id="184961")


def test_possible_match_cleared_by_two_officers_then_approved(
    journey, settings, make_case, make_user, staff
):
    from relocard.accounts.models import Role
    from relocard.cases import services as cs
    from relocard.screening.services import list_version_load

    settings.RELOCARD_SCREENING_REQUIRED = True
    page = journey.page
    list_version_load(data=_listed_zhukova(), loaded_by="ops")
    app = make_case("draft")
    applicant = app.applicant
    applicant.surname_latin, applicant.given_names_latin = "ZHUKOVA", "IULIIA"
    applicant.surname_cyrillic, applicant.given_names_cyrillic = "Жукова", "Юлия"
    applicant.date_of_birth = date(1980, 9, 30)
    applicant.save()
    cs.application_submit(actor=applicant.user, application=app, token=secrets.token_hex(8))
    app.refresh_from_db()
    cw = staff["caseworker"]
    cs.application_start_review(actor=cw, application=app, version=app.version)
    for item in app.evidence.all():
        data = {f"review-{item.pk}-{k}": v for k, v in item.declared.items()}
        cs.evidence_review(actor=cw, evidence=item, status="verified", facts_data=data)
    first = make_user(Role.SCREENING_OFFICER, "FR")
    second = make_user(Role.SCREENING_OFFICER, "FR")
    for user in (applicant.user, cw, first, second):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])

    # The applicant sees only that additional checks are under way.
    journey.sign_in(applicant.user.email)
    page.goto(f"/apply/{app.reference}/")
    expect(page.get_by_role("heading", name="Additional checks are under way")).to_be_visible()
    text = page.locator("main").inner_text()
    for secret in ("Yuliya", "900101", "EU.9001", "sanction", "score", "Possible match"):
        assert secret not in text  # the listed name, its ids, the list, the score
    journey.check("applicant-under-way")
    journey.sign_out()

    # The caseworker cannot approve, and is told only that screening holds the case.
    journey.sign_in(cw.email)
    page.goto(f"/console/cases/{app.reference}/")
    blockers = page.locator(".approval-blockers")
    expect(blockers).to_contain_text("a possible match is under review")
    expect(blockers).to_contain_text("National checks not answered yet")
    expect(page.get_by_text("900101")).to_have_count(0)
    expect(page.get_by_text("Yuliya")).to_have_count(0)
    journey.check("caseworker-blocked")
    journey.sign_out()

    # The first screening officer lands on the queue, reads the hit and proposes to clear it.
    journey.sign_in(first.email)
    expect(page.get_by_role("heading", name="Security screening: France")).to_be_visible()
    journey.check("officer-queue")
    page.get_by_role("link", name=app.reference).first.click()
    expect(page.get_by_role("heading", name="Yuliya Vladimirovna ZHUKOVA")).to_be_visible()
    journey.check("officer-run")
    page.get_by_role("button", name="Propose").click()  # no finding, no reason: clear errors
    expect(page.get_by_text("There is a problem")).to_be_visible()
    journey.check("officer-run-errors")
    page.get_by_label("Clear: not the listed person").check()
    page.get_by_label("Reason").fill("Passport and birth certificate: patronymic Petrovna.")
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_text("a second screening officer must decide")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)
    # ... and records the answers of the national checks.
    for i in range(3):
        page.goto("/screening/")
        page.locator("table").nth(1).get_by_role("link", name=app.reference).nth(i).click()
        page.get_by_label("No objection").check()
        page.get_by_role("button", name="Record the answer").click()
        expect(page.get_by_text("a second screening officer must confirm it").first).to_be_visible()
    journey.check("officer-check-recorded")
    journey.sign_out()

    # The second officer confirms the clearance and the three answers (at 390 px).
    page.set_viewport_size({"width": 390, "height": 844})
    journey.sign_in(second.email)
    page.get_by_role("link", name=app.reference).first.click()
    journey.check("second-officer-run-390")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Cleared: not the listed person").first).to_be_visible()
    for _ in range(3):
        page.goto("/screening/")
        page.locator("table").nth(1).get_by_role("link", name=app.reference).first.click()
        page.get_by_role("button", name="Confirm the answer").click()
        expect(page.locator("dd", has_text="No objection").first).to_be_visible()
    journey.check("second-officer-check-390")
    page.goto("/screening/")
    expect(page.get_by_text("No possible match waits for review.")).to_be_visible()
    expect(page.get_by_text("No national check is waiting.")).to_be_visible()
    journey.sign_out()
    page.set_viewport_size({"width": 1100, "height": 900})

    # Now the caseworker approves the case.
    journey.sign_in(cw.email)
    page.goto(f"/console/cases/{app.reference}/")
    expect(page.get_by_text("All criteria met")).to_be_visible()
    page.get_by_text("Approve and issue the card").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("The application is approved and the card is issued.")).to_be_visible()
    journey.check("approved")
    app.refresh_from_db()
    assert app.state == "approved"
