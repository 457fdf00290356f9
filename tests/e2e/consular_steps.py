"""Steps of the consular channel's browser journeys, shared by the appointment journey, the
mission-desk journey and the chained online journey (interest -> draw -> booking -> check-in ->
mission desk -> approval -> D visa -> card handed over). Each step signs its person in, does
what they do in the browser, checks the pages with axe-core and signs out."""

from __future__ import annotations

import json
import re
from contextlib import nullcontext
from datetime import time, timedelta

import time_machine
from click.testing import CliRunner
from django.utils import timezone
from playwright.sync_api import expect
from tests.consular.conftest import mrz_of
from tests.e2e.conftest import PASSWORD
from tests.enrolment.conftest import passport_zone, photo_bytes


def with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def narrow(journey, label: str) -> None:
    """The same page at 390 px (a phone), checked too, then back to desktop width."""
    page = journey.page
    page.set_viewport_size({"width": 390, "height": 844})
    journey.check(f"{label}-390")
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 392)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40))"
    )
    assert width <= 400, f"{label}: the page scrolls sideways at 390 px ({width} px): {wide}"
    page.set_viewport_size({"width": 1100, "height": 900})


def mission_with_window(officer):
    """An FR embassy in Moscow with ``officer``, two slots tomorrow and an open window."""
    from relocard.consular import services as cs

    mission = cs.mission_create(
        actor=None, member_state="FR", kind="embassy", city="Moscow",
        address="Bolshaya Yakimanka 45", opening_weekdays="1,2,3,4,5,6,7",
    )  # fmt: skip
    cs.mission_officer_assign(actor=None, user=officer, mission=mission)
    day = mission.today() + timedelta(days=1)
    cs.slots_publish(
        actor=officer, mission=mission, day=day, times=[time(9, 0), time(9, 30)], per_time=1
    )
    window = cs.window_open(
        actor=officer, mission=mission, first_day=day, last_day=day,
        closes_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    return mission, window


# --- the appointment ---------------------------------------------------------------------------


def register_interest(journey, applicant) -> str:
    """The applicant registers interest with their own passport data (a wrong number first);
    returns their entry id."""
    page = journey.page
    journey.sign_in(applicant.user.email)
    page.get_by_role("link", name="Appointments").click()
    journey.check("appointments")
    page.get_by_role("link", name="Register interest").click()
    expect(page.get_by_label("Surname, as in the passport")).to_have_value("IVANOVA")
    page.get_by_label("Passport number").fill("750000000")
    page.get_by_role("button", name="Register interest").click()
    expect(page.locator("#id_passport_number_error")).to_contain_text("These details differ")
    journey.check("interest-error")
    page.get_by_label("Passport number").fill(applicant.passport_number)
    page.get_by_role("button", name="Register interest").click()
    expect(page.get_by_text("Your interest is registered.")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Waiting for a draw")
    entry_id = page.locator("#entry-id").inner_text()
    journey.check("interest-registered")
    journey.sign_out()
    return entry_id


def run_draw(journey, officer, mission, window) -> tuple[str, dict]:
    """Registration closes; the officer commits the draw and, once its time has come, performs
    it. Returns the record's address and the committed record (seed still secret)."""
    from relocard.consular.models import BookingWindow, Draw

    page = journey.page
    BookingWindow.objects.filter(pk=window.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    journey.sign_in(officer.email)
    page.get_by_role("link", name="Mission", exact=True).click()
    journey.check("mission")
    page.set_viewport_size({"width": 390, "height": 844})
    journey.check("mission-390")
    page.set_viewport_size({"width": 1100, "height": 900})
    page.get_by_role("button", name="Commit a draw").click()
    expect(page.get_by_text("The draw's commitment is published.")).to_be_visible()
    record_url = f"/consular/draws/{mission.pk}/{window.pk}/1.json"
    committed = json.loads(page.goto(record_url).text())
    assert committed["seed"] is None and len(committed["commitment"]) == 64
    Draw.objects.filter(window=window).update(draw_after=timezone.now())
    page.goto(f"/consular/officer/missions/{mission.pk}/")
    page.get_by_role("button", name="Perform the draw").click()
    expect(page.get_by_text("The draw is performed and its record published.")).to_be_visible()
    journey.check("draw-performed")
    journey.sign_out()
    return record_url, committed


def verify_draw(page, record_url: str, committed: dict, entry_id: str, tmp_path) -> dict:
    """Anyone fetches the published record and recomputes it with ``relocard consular
    draw-verify``: same commitment as before the draw, the entry took part."""
    from relocard.cli import main

    record = json.loads(page.goto(record_url).text())
    assert record["commitment"] == committed["commitment"] and entry_id in record["entries"]
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    result = CliRunner().invoke(main, ["consular", "draw-verify", str(path)])
    assert result.exit_code == 0, result.output
    return record


def confirm_slot(journey, applicant, entry_id: str) -> None:
    """The applicant sees the slot they won and confirms it (also at phone width)."""
    page = journey.page
    journey.sign_in(applicant.user.email)
    page.goto(f"/consular/appointments/{entry_id}/")
    expect(page.locator("#status")).to_have_text("Slot offered: confirm it")
    page.set_viewport_size({"width": 390, "height": 844})
    journey.check("slot-offered-390")
    page.get_by_role("button", name="Confirm this slot").click()
    expect(page.get_by_text("Your appointment is booked.")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Booked")
    page.set_viewport_size({"width": 1100, "height": 900})
    journey.check("booked")
    journey.sign_out()


def check_in_at_the_door(journey, officer, mission, appointment, applicant, *, travel=True):
    """The day of the appointment: another person arrives with the booking and is refused
    field by field (the booking cannot be sold); then its holder's typed zone checks them in.
    ``travel``: the clock moves to the slot's day for the check-in (a journey that goes on
    afterwards moves the slot to now instead, so that its clock never runs backwards)."""
    page = journey.page
    clock = nullcontext()
    if travel:
        clock = time_machine.travel(appointment.slot.starts_at - timedelta(minutes=5), tick=True)
    with clock:
        journey.sign_in(officer.email)
        page.goto(f"/consular/officer/missions/{mission.pk}/")
        page.get_by_role("link", name="Today's appointments and check-in").click()
        journey.check("day")
        page.set_viewport_size({"width": 390, "height": 844})
        journey.check("day-390")
        page.set_viewport_size({"width": 1100, "height": 900})
        page.get_by_role("link", name="Check in").click()
        impostor = mrz_of(
            applicant, surname="SMIRNOVA", given_names="OLGA", document_number="761111111"
        )
        page.get_by_label("Machine-readable zone").fill(impostor)
        page.get_by_role("button", name="Read the passport and check in").click()
        mismatches = page.locator("#mismatches")
        expect(mismatches).to_contain_text("Check-in refused")
        expect(mismatches).to_contain_text("SMIRNOVA")
        expect(mismatches).to_contain_text("761111111")
        expect(page.locator("#status")).to_have_text("Booked")
        journey.check("check-in-refused")
        page.set_viewport_size({"width": 390, "height": 844})
        journey.check("check-in-refused-390")
        page.set_viewport_size({"width": 1100, "height": 900})
        page.get_by_label("Machine-readable zone").fill(mrz_of(applicant))
        page.get_by_role("button", name="Read the passport and check in").click()
        expect(page.get_by_text("Checked in. The visit is recorded on the case.")).to_be_visible()
        expect(page.locator("#status")).to_have_text("Seen at the mission")
        journey.check("checked-in")
        journey.sign_out()


# --- the mission desk ------------------------------------------------------------------------


def record_biometrics_and_fee(journey, officer, ref: str) -> str:
    """The officer opens the case, then its mission page: biometrics, then the fee (a wrong
    amount first). Returns the receipt number."""
    page = journey.page
    journey.sign_in(officer.email)
    page.goto(f"/console/cases/{ref}/")
    page.get_by_role("link", name=re.compile("At the mission: photo")).click()
    expect(page.get_by_role("heading", name="At the mission", exact=True)).to_be_visible()
    expect(page.get_by_text("stay there")).to_be_visible()
    journey.check("mission-desk")
    narrow(journey, "mission-desk")
    page.get_by_label("Device reference").fill("FR-MOW-ST07")
    page.get_by_label("Mission or place").fill("Consulate general, Moscow")
    page.get_by_role("button", name="Record biometrics enrolment").click()
    expect(page.get_by_text("Biometrics enrolment is recorded.")).to_be_visible()
    page.get_by_label("Amount paid (EUR)").fill("90")
    page.get_by_label("Cash").check()
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_text("EUR 90.00 is not the fee due, EUR 99.00").first).to_be_visible()
    journey.check("fee-error")
    page.get_by_label("Amount paid (EUR)").fill("99.00")
    page.get_by_label("Cash").check()
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_text("The fee is recorded.")).to_be_visible()
    receipt = (
        page.locator(".summary-list .mono").filter(has_text=re.compile(r"^FR-\d{4}-")).inner_text()
    )
    journey.sign_out()
    return receipt


def receipt_and_photo(journey, applicant, ref: str, receipt: str) -> None:
    """The applicant sees the mission's steps, prints the receipt and uploads the photo (a
    file that is not a photo first)."""
    page = journey.page
    journey.sign_in(applicant.user.email)
    page.goto(f"/apply/{ref}/")
    expect(page.get_by_text("on servers in the European Union only")).to_be_visible()
    expect(page.get_by_text(receipt)).to_be_visible()
    page.get_by_role("link", name="see and print the receipt").click()
    expect(page.get_by_role("heading", name="Receipt for the fee at the mission")).to_be_visible()
    journey.check("receipt")
    page.goto(f"/apply/{ref}/")
    page.get_by_role("link", name="Add the photo").click()
    page.get_by_label("Photo").set_input_files(
        {"name": "blank.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\nnot really"}
    )
    page.get_by_role("button", name="Upload the photo").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    journey.check("photo-error")
    page.get_by_label("Photo").set_input_files(
        {"name": "me.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}
    )
    page.get_by_role("button", name="Upload the photo").click()
    expect(page.get_by_text("The photo is saved.")).to_be_visible()
    narrow(journey, "case-with-mission")
    journey.sign_out()


def _verify_all(journey):
    page = journey.page
    while page.get_by_text("Check this document").count():
        details = page.locator("details[open]").filter(
            has=page.get_by_role("button", name=re.compile("Save check"))
        )
        details.first.get_by_label("Verified").check()
        details.first.get_by_role("button", name=re.compile("Save check")).click()
        expect(page.get_by_text("The document check is saved.")).to_be_visible()


def approve(journey, caseworker, ref: str) -> None:
    """A caseworker approves through the decision flow (verified evidence, then Approve)."""
    page = journey.page
    journey.sign_in(caseworker.email)
    page.goto(f"/console/cases/{ref}/")
    page.get_by_role("button", name="Start review").click()
    _verify_all(journey)
    page.locator("summary", has_text="Approve and issue the card").click()
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_text("The application is approved and the card is issued.")).to_be_visible()
    journey.sign_out()


def visa_and_hand_over(journey, officer, app) -> None:
    """The officer records the D visa (a date error first), orders the card, marks it ready,
    and hands it over after the passport's zone is compared with the case: a wrong passport
    first, refused field by field."""
    from relocard.enrolment.models import CardProduction

    page = journey.page
    applicant = app.applicant
    journey.sign_in(officer.email)
    page.goto(f"/console/cases/{app.reference}/mission/")
    today = app.member_state.today()
    page.get_by_label("Visa number").fill("FRA012345678")
    journey.fill_date("id_valid_from", today.isoformat())
    journey.fill_date("id_valid_until", (today - timedelta(days=1)).isoformat())
    page.get_by_label("Multiple entries").check()
    page.get_by_label("The applicant is in Russia").check()
    page.get_by_role("button", name="Record the D visa").click()
    expect(
        page.get_by_text("The visa's last day must come after its first day.").first
    ).to_be_visible()
    journey.check("visa-error")
    journey.fill_date("id_valid_until", (today + timedelta(days=90)).isoformat())
    page.get_by_label("Multiple entries").check()
    page.get_by_label("The applicant is in Russia").check()
    page.get_by_role("button", name="Record the D visa").click()
    expect(page.get_by_text("The D visa is recorded")).to_be_visible()
    page.get_by_label("Collection at (mission)").fill("Consulate general, Moscow")
    page.get_by_role("button", name="Order the card").click()
    expect(page.get_by_text("The card's production is ordered.")).to_be_visible()
    page.get_by_role("button", name="The card is at the mission: ready for collection").click()
    expect(
        page.get_by_text("The card is ready for collection; the applicant is told.")
    ).to_be_visible()

    wrong = passport_zone(applicant, surname="PETROVA", document_number="750000001")
    page.get_by_label("Passport's machine-readable zone").fill(wrong)
    page.get_by_role("button", name="Check the passport and hand over").click()
    expect(page.get_by_text("does not match the identity on this case").first).to_be_visible()
    table = page.locator("table.comparison")
    expect(table.locator("tr.comparison-mismatch")).to_have_count(2)
    expect(table.locator("tr.comparison-mismatch").first).to_contain_text("Surname")
    journey.check("hand-over-refused")
    narrow(journey, "hand-over-refused")
    assert CardProduction.objects.get(application=app).state == "ready_for_collection"
    page.get_by_label("Passport's machine-readable zone").fill(passport_zone(applicant))
    page.get_by_role("button", name="Check the passport and hand over").click()
    expect(page.get_by_text("The passport matches: the card is handed over.")).to_be_visible()
    expect(page.get_by_text(re.compile("Handed over .* after the passport check"))).to_be_visible()
    journey.check("handed-over")
    assert CardProduction.objects.get(application=app).state == "handed_over"
    journey.sign_out()


def applicant_sees_visa_and_card(journey, applicant, ref: str) -> None:
    page = journey.page
    journey.sign_in(applicant.user.email)
    page.goto(f"/apply/{ref}/")
    expect(page.get_by_text("FRA012345678")).to_be_visible()
    expect(page.locator("section[aria-labelledby='mission-title']")).to_contain_text("Handed over")
    journey.check("applicant-after")
    journey.sign_out()
