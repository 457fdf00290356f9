"""The humanitarian-visa route in the browser: a person asks, an officer triages, the person
sees their position; then an invitation and a decision. An NGO applies, is approved and refers
a request; an officer's assignment to it is confirmed by a second officer.

axe-core checks every page of the journey (no serious or critical violation).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect
from tests.e2e.conftest import PASSWORD

from relocard.accounts.models import Role, User
from relocard.consular.models import Mission, MissionOfficer, Slot, SlotReservation
from relocard.core.identity import format_td3
from relocard.humanitarian import services as hs
from relocard.humanitarian.models import AssignmentProposal, ReferringOrganisation

pytestmark = pytest.mark.django_db(transaction=True)


def _zone(surname: str, given_names: str) -> str:
    """A passport's machine-readable zone, typed at the door (valid check digits)."""
    return "\n".join(
        format_td3(
            surname=surname, given_names=given_names, document_number="752046118",
            nationality="RUS", birth_date=date(1985, 7, 14),
            expiry_date=date.today() + timedelta(days=1000), sex="F",
        )
    )  # fmt: skip


def _confirm_assignment(entry: str, colleague) -> None:
    proposal = AssignmentProposal.objects.get(request__entry_id=entry, status="proposed")
    hs.assignment_confirm(actor=colleague, proposal=proposal)


def test_request_triage_position_invitation_decision(journey, make_user, member_states):
    page = journey.page
    person = make_user()
    officer = make_user(Role.HUMANITARIAN_OFFICER, "FR")
    colleague = make_user(Role.HUMANITARIAN_OFFICER, "FR")
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

    # An officer asks to be assigned (a colleague confirms: the browser steps of the
    # confirmation are in the NGO journey below), reads the grounds (audited) and triages.
    journey.sign_in(officer.email)
    expect(
        page.get_by_role("heading", name=re.compile("Humanitarian-visa requests"))
    ).to_be_visible()
    journey.check("queue")
    expect(page.get_by_text("Sokolova")).to_have_count(0)
    page.get_by_role("link", name=entry).first.click()
    page.get_by_role("button", name="Ask to be assigned to this request").click()
    expect(page.get_by_role("link", name=re.compile("Read the grounds"))).to_have_count(0)
    _confirm_assignment(entry, colleague)
    page.reload()
    page.get_by_role("link", name=re.compile("Read the grounds")).click()
    expect(page.locator("#grounds")).to_contain_text("anti-war posts")
    journey.check("grounds")
    page.get_by_role("link", name="Back to the request").click()
    page.get_by_label("Well-founded risk").check()
    journey.check("triage")
    page.get_by_role("button", name="Place in this category").click()
    expect(page.locator("#category")).to_have_text("Well-founded risk")
    journey.sign_out()

    # The person sees their position.
    journey.sign_in(person.email)
    page.get_by_role("link", name="Humanitarian visa").click()
    page.get_by_role("link", name=entry).click()
    expect(page.locator("#position")).to_have_text("Number 1 of 1 waiting in your category")
    expect(page.locator("#estimate")).to_contain_text("cannot estimate your wait honestly yet")
    journey.check("position")
    journey.sign_out()

    # The officer invites the request (in turn): they pick one of France's missions and a
    # free slot it published, shown in the mission's local time with the zone named.
    mission = Mission.objects.create(
        member_state_id="FR", kind="consulate", city="Tbilisi", address="Krtsanisi 49",
        time_zone="Asia/Tbilisi", opening_weekdays="1,2,3,4,5,6,7",
    )  # fmt: skip
    starts = datetime.combine(
        date.today() + timedelta(days=14), time(10, 30), tzinfo=ZoneInfo("Asia/Tbilisi")
    )
    slot = Slot.objects.create(
        mission=mission, code=f"{starts:%Y%m%dT%H%M}-01", starts_at=starts, published_by=officer
    )
    journey.sign_in(officer.email)
    page.get_by_role("link", name=entry).first.click()
    picker = page.get_by_label("Mission and appointment (the mission's local time)")
    expect(picker.locator("optgroup")).to_have_attribute(
        "label", "Consulate, Tbilisi, Krtsanisi 49"
    )
    expect(picker.locator(f'option[value="{slot.pk}"]')).to_contain_text("10:30 (Asia/Tbilisi)")
    picker.select_option(str(slot.pk))
    journey.check("invite")
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.locator("#status")).to_have_text("Invited to an appointment")
    expect(page.locator("#appointment")).to_contain_text("Asia/Tbilisi")
    journey.sign_out()

    # The person sees where and when, in the mission's time, and the reference for the door.
    reference = SlotReservation.objects.get(slot=slot).reference
    journey.sign_in(person.email)
    page.get_by_role("link", name="Humanitarian visa").click()
    page.get_by_role("link", name=entry).click()
    expect(page.locator("#appointment")).to_contain_text("10:30")
    expect(page.locator("#appointment")).to_contain_text("Asia/Tbilisi")
    expect(page.locator("#appointment")).to_contain_text("Consulate, Tbilisi, Krtsanisi 49")
    expect(page.locator("#appointment")).to_contain_text(reference)
    journey.check("invited")
    journey.sign_out()

    # The day comes (the slot moves to now, so that the clock never runs backwards). At the
    # mission's door its consular officer types the reference from the person's invitation and
    # the passport's zone: another person's passport is refused, field by field; the
    # principal's checks them in.
    Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now())
    door = make_user(Role.CONSULAR_OFFICER, "FR")
    door.set_password(PASSWORD)
    door.save(update_fields=["password"])
    MissionOfficer.objects.create(user=door, mission=mission)
    journey.sign_in(door.email)
    page.goto(f"/consular/officer/missions/{mission.pk}/day/")
    row = page.locator(f'tr[data-reservation="{reference}"]')
    expect(row).to_contain_text("Sokolova, Maria")
    expect(row).not_to_contain_text(entry)
    journey.check("door-day")
    row.get_by_role("link", name="Check in").click()
    page.get_by_label("Reference on the invitation").fill(reference)
    page.get_by_label("Machine-readable zone").fill(_zone("SMIRNOVA", "MARIA"))
    page.get_by_role("button", name="Read the passport and check in").click()
    expect(page.locator("#mismatches")).to_contain_text("Check-in refused")
    expect(page.locator("#mismatches")).to_contain_text("SMIRNOVA")
    expect(page.locator("#status")).to_have_text("Reserved")
    journey.check("door-refused")
    page.get_by_label("Reference on the invitation").fill(reference)
    page.get_by_label("Machine-readable zone").fill(_zone("SOKOLOVA", "MARIA"))
    page.get_by_role("button", name="Read the passport and check in").click()
    expect(
        page.get_by_text("Checked in. The visit is recorded on the reservation.")
    ).to_be_visible()
    expect(page.locator("#status")).to_contain_text("Checked in at")
    journey.check("door-checked-in")
    journey.sign_out()

    # The officer sees the check-in on the request, then grants the visa.
    journey.sign_in(officer.email)
    page.get_by_role("link", name=entry).first.click()
    expect(page.locator("#door-check-in")).to_contain_text("Checked in at the mission at")
    expect(page.locator("#door-check-in")).to_contain_text("Asia/Tbilisi")
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


def test_an_ngo_applies_refers_and_two_officers_assign(journey, make_user, member_states):
    page = journey.page
    admin = make_user(Role.PROGRAMME_ADMIN)
    officer = make_user(Role.HUMANITARIAN_OFFICER, "DE")
    colleague = make_user(Role.HUMANITARIAN_OFFICER, "DE")
    for user in (officer, colleague):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])

    # The organisation applies from the home page; the link comes by e-mail.
    page.goto("/")
    page.get_by_role("link", name="Apply as an organisation").click()
    journey.check("ngo-apply")
    page.get_by_label("Name of the organisation").fill("Kovcheg Hilfe e.V.")
    page.get_by_label("To which country does your organisation refer requests?").select_option("DE")
    page.get_by_label("Registration number").fill("VR 12345 B")
    page.get_by_label("E-mail address").fill("desk@kovcheg.example")
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("e-mail", re.I))).to_be_visible()
    link = re.search(r"http\S+/confirm/\S+", mail.outbox[-1].body).group(0)
    page.goto("/humanitarian/" + link.split("/humanitarian/", 1)[1])
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    journey.pass_second_factor("desk@kovcheg.example")
    expect(page.get_by_text("Your organisation is not approved yet.")).to_be_visible()
    journey.check("ngo-pending")

    # Programme staff approve it (admin site action, through the same service); it refers.
    org = ReferringOrganisation.objects.get(name="Kovcheg Hilfe e.V.")
    hs.referring_organisation_decide(actor=admin, organisation=org, approve=True)
    page.reload()
    page.get_by_label("Surname, as in the passport").fill("Orlova")
    page.get_by_label("Given names, as in the passport").fill("Anna")
    journey.fill_date("id_date_of_birth", "1979-02-11")
    page.get_by_label("The person's grounds").fill("Summoned for questioning after a protest.")
    page.locator("#id_consent").check()
    journey.check("ngo-refer")
    page.get_by_role("button", name="Refer the request").click()
    message = page.get_by_text(re.compile("Give the person their entry id"))
    entry = re.search(r"HV(-[0-9A-Z]{4}){4}", message.inner_text()).group(0)
    expect(page.locator("table")).to_contain_text(entry)
    expect(page.get_by_text("Orlova")).to_have_count(0)
    journey.sign_out()
    assert User.objects.get(email="desk@kovcheg.example").role == Role.REFERRER

    # An officer asks to be assigned: no grounds, and no way to confirm it alone.
    journey.sign_in(officer.email)
    page.get_by_role("link", name=entry).first.click()
    page.get_by_role("button", name="Ask to be assigned to this request").click()
    expect(page.locator("#open-assignments")).to_contain_text(officer.email)
    expect(page.get_by_role("button", name="Confirm the assignment")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Read the grounds"))).to_have_count(0)
    journey.check("assignment-proposed")
    journey.sign_out()

    # A second officer confirms; the first then reads the grounds.
    journey.sign_in(colleague.email)
    page.get_by_role("link", name=entry).first.click()
    page.get_by_role("button", name="Confirm the assignment").click()
    expect(page.locator("#open-assignments")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Read the grounds"))).to_have_count(0)
    journey.sign_out()
    journey.sign_in(officer.email)
    page.get_by_role("link", name=entry).first.click()
    page.get_by_role("link", name=re.compile("Read the grounds")).click()
    expect(page.locator("#grounds")).to_contain_text("Summoned for questioning")
    journey.check("ngo-grounds")
