"""The consular channel in a browser (issue 14): an applicant registers interest in a
mission's booking window, the officer commits and performs the draw, the applicant sees the
slot and confirms it, and at the door the officer reads passports: another person's passport
with the first person's booking is refused with the differences shown, the right one is
checked in. The draw's published record recomputes with ``relocard consular draw-verify``."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest
import time_machine
from click.testing import CliRunner
from django.utils import timezone
from playwright.sync_api import expect
from tests.consular.conftest import mrz_of
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _mission(officer):
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


def _with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def test_interest_draw_booking_and_check_in(journey, make_case, staff, tmp_path):
    from relocard.cli import main
    from relocard.consular.models import Appointment, AppointmentStatus, BookingWindow, Draw

    page = journey.page
    officer = _with_password(staff["consular_officer"])
    mission, window = _mission(officer)
    case = make_case()
    applicant = case.applicant
    _with_password(applicant.user)

    # The applicant registers interest with their own passport data.
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

    # Registration closes; the officer commits the draw, and ten minutes later performs it.
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

    # Anyone recomputes the draw from the published record.
    record = json.loads(page.goto(record_url).text())
    assert record["commitment"] == committed["commitment"] and entry_id in record["entries"]
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    result = CliRunner().invoke(main, ["consular", "draw-verify", str(path)])
    assert result.exit_code == 0, result.output

    # The applicant sees the slot and confirms it (also at phone width).
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
    appointment = Appointment.objects.get(entry_id=entry_id)

    # The day of the appointment: another person arrives with the booking, then its holder.
    with time_machine.travel(appointment.slot.starts_at - timedelta(minutes=5), tick=True):
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
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    assert appointment.application.mission_link.mission == mission
