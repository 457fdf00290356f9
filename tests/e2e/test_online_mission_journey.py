"""The consular channel's last join in a browser (issue 14), one chained journey: an applicant
with an ONLINE case registers interest in a mission's window, wins a slot in the draw and
confirms it; the mission's officer cannot open the case before the check-in; at the door a
second person with the first person's booking is refused (passport mismatch), the holder's
typed zone checks them in, and the case opens to that mission's officer, who records
biometrics and the fee; the applicant uploads the photo; a caseworker approves; the officer
records the D visa, orders the card, marks it ready and hands it over after the passport
check; finally anyone recomputes the draw from its published record with
``relocard consular draw-verify``."""

from __future__ import annotations

import pytest
from django.utils import timezone
from tests.e2e import consular_steps as steps

pytestmark = pytest.mark.django_db(transaction=True)


def test_online_case_from_interest_to_card_handed_over(journey, make_case, staff, tmp_path):
    from relocard.cases.models import Channel
    from relocard.consular.models import Appointment, AppointmentStatus, Slot
    from relocard.enrolment.models import CardProduction

    page = journey.page
    for user in staff.values():
        steps.with_password(user)
    officer = staff["consular_officer"]
    mission, window = steps.mission_with_window(officer)
    app = make_case("submitted")
    assert app.channel == Channel.ONLINE
    applicant = app.applicant
    steps.with_password(applicant.user)
    ref = app.reference

    # Interest, the draw, the booking.
    entry_id = steps.register_interest(journey, applicant)
    record_url, committed = steps.run_draw(journey, officer, mission, window)
    steps.confirm_slot(journey, applicant, entry_id)
    appointment = Appointment.objects.get(entry_id=entry_id)
    assert appointment.status == AppointmentStatus.BOOKED

    # Booked but not yet seen at the door: the mission's officer cannot open the case.
    journey.sign_in(officer.email)
    for path in (f"/console/cases/{ref}/", f"/console/cases/{ref}/mission/"):
        assert page.goto(path).status == 404, path
    page.goto("/console/")
    assert ref not in page.locator("main").inner_text()
    journey.sign_out()

    # The day comes (the slot moves to now, so that the clock never runs backwards for the
    # rest of the journey). At the door: another person with this booking is refused; the
    # holder is checked in.
    Slot.objects.filter(pk=appointment.slot_id).update(starts_at=timezone.now())
    appointment.refresh_from_db()
    steps.check_in_at_the_door(journey, officer, mission, appointment, applicant, travel=False)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN

    # Now the case is in the officer's queue.
    journey.sign_in(officer.email)
    page.goto("/console/")
    assert ref in page.locator("main").inner_text()
    journey.check("queue-after-check-in")
    journey.sign_out()

    # The mission desk: biometrics and fee, the photo, the approval, the visa and the card.
    receipt = steps.record_biometrics_and_fee(journey, officer, ref)
    steps.receipt_and_photo(journey, applicant, ref, receipt)
    steps.approve(journey, staff["caseworker"], ref)
    steps.visa_and_hand_over(journey, officer, app)
    steps.applicant_sees_visa_and_card(journey, applicant, ref)
    assert CardProduction.objects.get(application=app).state == "handed_over"

    # Anyone recomputes the draw from its published record.
    steps.verify_draw(page, record_url, committed, entry_id, tmp_path)
