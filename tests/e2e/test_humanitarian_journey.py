"""The humanitarian-visa route in the browser: a person asks, an officer triages, the person
sees their position; then an invitation and a decision.

axe-core checks every page of the journey (no serious or critical violation).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_request_triage_position_invitation_decision(journey, make_user, member_states):
    from relocard.accounts.models import Role

    page = journey.page
    person = make_user()
    officer = make_user(Role.HUMANITARIAN_OFFICER, "FR")
    for user in (person, officer):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])

    # The person asks for a visa for themselves and a child.
    journey.sign_in(person.email)
    page.get_by_role("link", name="Humanitarian visa").click()
    journey.check("mine-empty")
    page.get_by_role("link", name="Ask for a humanitarian visa").click()
    page.get_by_label("France").check()
    page.get_by_label("Surname, as in the passport").fill("Sokolova")
    page.get_by_label("Given names, as in the passport").fill("Maria")
    journey.fill_date("id_date_of_birth", "1985-07-14")
    page.get_by_label("Why do you need protection?").fill(
        "A criminal case was opened against me for anti-war posts."
    )
    page.locator("#id_family-0-relationship").select_option("child")
    page.locator("#id_family-0-surname").fill("Sokolov")
    page.locator("#id_family-0-given_names").fill("Pavel")
    journey.fill_date("id_family-0-date_of_birth", "2014-03-02")
    journey.check("request-form")
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Send the request").click()
    entry = page.locator("#entry-id").inner_text()
    assert re.fullmatch(r"HV(-[0-9A-Z]{4}){4}", entry)
    expect(page.locator("#status")).to_have_text("Registered, awaiting triage")
    journey.check("receipt")
    journey.sign_out()

    # An officer assigns themselves, reads the grounds (audited) and triages.
    journey.sign_in(officer.email)
    expect(
        page.get_by_role("heading", name=re.compile("Humanitarian-visa requests"))
    ).to_be_visible()
    journey.check("queue")
    expect(page.get_by_text("Sokolova")).to_have_count(0)
    page.get_by_role("link", name=entry).first.click()
    page.get_by_role("button", name="Assign me to this request").click()
    page.get_by_role("link", name=re.compile("Read the grounds")).click()
    expect(page.locator("#grounds")).to_contain_text("anti-war posts")
    journey.check("grounds")
    page.get_by_role("link", name="Back to the request").click()
    page.get_by_label("Well-founded risk").check()
    journey.check("triage")
    page.get_by_role("button", name="Place in this category").click()
    expect(page.locator("#category")).to_have_text("standard")
    journey.sign_out()

    # The person sees their position.
    journey.sign_in(person.email)
    page.get_by_role("link", name="Humanitarian visa").click()
    page.get_by_role("link", name=entry).click()
    expect(page.locator("#position")).to_have_text("Number 1 of 1 waiting in your category")
    expect(page.locator("#estimate")).to_contain_text("cannot estimate your wait honestly yet")
    journey.check("position")
    journey.sign_out()

    # The officer invites the request (in turn) and grants the visa.
    journey.sign_in(officer.email)
    page.get_by_role("link", name=entry).first.click()
    when = (date.today() + timedelta(days=14)).isoformat() + "T10:30"
    page.get_by_label("Appointment (day and time)").fill(when)
    page.get_by_label("Mission").fill("Consular section, Tbilisi")
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.locator("#status")).to_have_text("Invited to an appointment")
    page.get_by_label("Grant the visa").check()
    page.get_by_label("Reasons (the person reads them)").fill("The danger is established.")
    journey.check("decide")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#status")).to_have_text("Visa granted")
    journey.sign_out()

    journey.sign_in(person.email)
    page.get_by_role("link", name="Humanitarian visa").click()
    page.get_by_role("link", name=entry).click()
    expect(page.locator("#decision")).to_have_text("Grant the visa")
    expect(page.get_by_text("The danger is established.")).to_be_visible()
    journey.check("decision")
