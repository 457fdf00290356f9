"""The consular channel in a browser (issue 14): an applicant registers interest in a
mission's booking window, the officer commits and performs the draw, the applicant sees the
slot and confirms it, and at the door the officer reads passports: another person's passport
with the first person's booking is refused with the differences shown, the right one is
checked in. The draw's published record recomputes with ``relocard consular draw-verify``.
The steps live in ``tests/e2e/consular_steps.py`` (shared with the chained online journey)."""

from __future__ import annotations

import pytest
from tests.e2e import consular_steps as steps

pytestmark = pytest.mark.django_db(transaction=True)


def test_interest_draw_booking_and_check_in(journey, make_case, staff, tmp_path):
    from relocard.consular.models import Appointment, AppointmentStatus

    officer = steps.with_password(staff["consular_officer"])
    mission, window = steps.mission_with_window(officer)
    case = make_case()
    applicant = case.applicant
    steps.with_password(applicant.user)

    entry_id = steps.register_interest(journey, applicant)
    record_url, committed = steps.run_draw(journey, officer, mission, window)
    steps.verify_draw(journey.page, record_url, committed, entry_id, tmp_path)
    steps.confirm_slot(journey, applicant, entry_id)
    appointment = Appointment.objects.get(entry_id=entry_id)
    steps.check_in_at_the_door(journey, officer, mission, appointment, applicant)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    assert appointment.application.mission_link.mission == mission
