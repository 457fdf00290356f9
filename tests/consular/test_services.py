"""The consular services: slots, windows, interest, draws, booking, check-in, the worker."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import time_machine
from django.utils import timezone
from tests.consular.conftest import close_and_draw, moscow, mrz_of, passport_of

from relocard.audit.models import AuditEvent
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.consular import services as cs
from relocard.consular.models import (
    Appointment,
    AppointmentStatus,
    CaseMission,
    MissionOfficer,
    Slot,
)
from relocard.core.consular import verify_record

pytestmark = pytest.mark.django_db


# --- slots and windows -----------------------------------------------------------------------


def test_slots_have_sortable_codes_in_the_missions_time(missions, day_ahead):
    created = cs.slots_publish(
        actor=missions["officer"], mission=missions["fr"], day=day_ahead,
        times=[time(9, 30), time(9, 0)], per_time=2,
    )  # fmt: skip
    codes = [s.code for s in created]
    stamp = f"{day_ahead:%Y%m%d}"
    assert codes == [f"{stamp}T0900-01", f"{stamp}T0900-02", f"{stamp}T0930-01", f"{stamp}T0930-02"]
    assert created[0].starts_at == moscow(day_ahead, time(9, 0))
    more = cs.slots_publish(
        actor=missions["officer"], mission=missions["fr"], day=day_ahead, times=[time(9, 0)]
    )
    assert more[0].code == f"{stamp}T0900-03"
    assert AuditEvent.objects.filter(action="consular.slots_published").count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"day": "today"}, "day"),
        ({"times": []}, "times"),
        ({"times": [time(9), time(9)]}, "times"),
        ({"per_time": 0}, "per_time"),
        ({"per_time": 21}, "per_time"),
    ],
)
def test_bad_slots_are_refused_and_nothing_written(missions, day_ahead, change, field):
    args = {"day": day_ahead, "times": [time(9)], "per_time": 1, **change}
    if args["day"] == "today":
        args["day"] = missions["fr"].today()
    with pytest.raises(InvalidInput) as exc:
        cs.slots_publish(actor=missions["officer"], mission=missions["fr"], **args)
    assert exc.value.field == field
    assert not Slot.objects.exists()


def test_a_closed_weekday_is_refused(missions, day_ahead):
    fr = missions["fr"]
    fr.opening_weekdays = str(((day_ahead.isoweekday()) % 7) + 1)
    fr.save()
    with pytest.raises(InvalidInput, match="closed on that day"):
        cs.slots_publish(actor=missions["officer"], mission=fr, day=day_ahead, times=[time(9)])


def test_only_the_missions_officers_publish(missions, day_ahead, staff):
    for actor in (missions["officer_spb"], missions["officer_de"], staff["caseworker"]):
        with pytest.raises(NotAllowed):
            cs.slots_publish(actor=actor, mission=missions["fr"], day=day_ahead, times=[time(9)])


def test_a_window_closes_before_its_first_day(missions, day_ahead):
    with pytest.raises(InvalidInput) as exc:
        cs.window_open(
            actor=missions["officer"], mission=missions["fr"], first_day=day_ahead,
            last_day=day_ahead, closes_at=moscow(day_ahead, time(8)),
        )  # fmt: skip
    assert exc.value.field == "closes_at"


# --- interest -------------------------------------------------------------------------------


def test_interest_is_registered_with_the_persons_keys(registered):
    appointment = registered()
    assert appointment.status == AppointmentStatus.WAITING
    assert len(appointment.entry_id) == 16 and len(appointment.passport_index) == 64
    assert not appointment.held
    event = AuditEvent.objects.get(action="consular.interest_registered")
    assert event.data["case"] == appointment.application.reference
    assert "IVANOVA" not in str(event.data)


def test_cyrillic_names_are_accepted(make_case, window):
    case = make_case()
    appointment = cs.interest_register(
        actor=case.applicant.user, application=case, window=window,
        passport=passport_of(case.applicant, surname="Иванова", given_names="Анна Сергеевна"),
    )  # fmt: skip
    assert appointment.surname == "Иванова"


def test_details_that_differ_from_the_application_are_refused(make_case, window):
    case = make_case()
    with pytest.raises(InvalidInput) as exc:
        cs.interest_register(
            actor=case.applicant.user, application=case, window=window,
            passport=passport_of(case.applicant, passport_number="759999999"),
        )  # fmt: skip
    assert exc.value.field == "passport_number"
    assert "passport number" in exc.value.message
    assert not Appointment.objects.exists()


def test_a_second_registration_of_the_same_account_is_refused(registered, window, missions):
    first = registered()
    other_window = cs.window_open(
        actor=missions["officer_spb"], mission=missions["spb"], first_day=window.first_day,
        last_day=window.last_day, closes_at=window.closes_at,
    )  # fmt: skip
    with pytest.raises(InvalidState, match="already have an active registration"):
        cs.interest_register(
            actor=first.user, application=first.application, window=other_window,
            passport=passport_of(first.application.applicant),
        )  # fmt: skip
    assert Appointment.objects.count() == 1


def test_the_same_person_from_another_account_is_held_and_not_told(
    registered, make_applicant, window
):
    """No oracle: typing a person's passport data that is already registered gives the same
    answer as a new person's; the second registration is held for the officers."""
    from relocard.cases import services as case_services

    first = registered()
    victim = first.application.applicant
    same = make_applicant(
        passport_number=victim.passport_number, date_of_birth=victim.date_of_birth
    )
    case = case_services.application_start(actor=same.user, applicant=same, member_state_code="FR")
    second = cs.interest_register(
        actor=same.user, application=case, window=window, passport=passport_of(same)
    )
    assert second.status == AppointmentStatus.WAITING
    assert second.held and not first.held
    draw = close_and_draw(window)
    assert second.entry_id not in draw.record["entries"]


def test_interest_only_for_own_open_case_of_that_member_state(make_case, window, missions):
    mine, other = make_case(), make_case()
    with pytest.raises(NotAllowed):
        cs.interest_register(
            actor=mine.applicant.user, application=other, window=window,
            passport=passport_of(other.applicant),
        )  # fmt: skip
    de_case = make_case(member_state="DE")
    with pytest.raises(NotAllowed):
        cs.interest_register(
            actor=de_case.applicant.user, application=de_case, window=window,
            passport=passport_of(de_case.applicant),
        )  # fmt: skip
    with pytest.raises(NotAllowed):
        cs.interest_register(
            actor=missions["officer"], application=mine, window=window,
            passport=passport_of(mine.applicant),
        )  # fmt: skip


def test_registration_closes(registered, window):
    window.closes_at = timezone.now() - timedelta(seconds=1)
    window.save()
    with pytest.raises(InvalidState, match="closed"):
        registered()


# --- the draw -------------------------------------------------------------------------------


def test_the_draw_is_committed_then_performed_and_recomputes(registered, window):
    people = [registered() for _ in range(5)]
    at = window.closes_at + timedelta(minutes=1)
    with pytest.raises(InvalidState):
        cs.draw_commit(actor=None, window=window, now=window.closes_at - timedelta(minutes=1))
    draw = cs.draw_commit(actor=None, window=window, now=at)
    assert len(draw.commitment) == 64 and draw.performed_at is None
    with pytest.raises(InvalidState, match="public for a while"):
        cs.draw_perform(actor=None, draw=draw, now=at)
    draw = cs.draw_perform(actor=None, draw=draw, now=at + cs.DRAW_DELAY)
    record = draw.record
    assert verify_record(record).ok
    assert record["entries"] == sorted(p.entry_id for p in people)
    assert len(record["slots"]) == 3 and len(record["assignments"]) == 3
    offered = Appointment.objects.filter(status=AppointmentStatus.OFFERED)
    assert sorted(a.entry_id for a in offered) == sorted(a["entry"] for a in record["assignments"])
    assert all(a.claim_by <= a.slot.starts_at for a in offered)
    assert Appointment.objects.filter(status=AppointmentStatus.WAITING).count() == 2
    text = str(record)
    for person in people:
        assert person.surname not in text and person.passport_number not in text
    with pytest.raises(InvalidState):
        cs.draw_perform(actor=None, draw=draw, now=at + cs.DRAW_DELAY)


def test_unclaimed_slots_go_into_the_next_draw_with_the_losers(registered, window):
    for _ in range(4):
        registered()
    first = close_and_draw(window)
    won = list(Appointment.objects.filter(status=AppointmentStatus.OFFERED))
    cs.appointment_confirm(actor=won[0].user, appointment=won[0])
    later = max(a.claim_by for a in won) + timedelta(seconds=1)
    assert cs.appointments_lapse(now=later) == 2
    second = close_and_draw(window, at=first.performed_at + timedelta(minutes=1))
    assert second.number == 2
    assert len(second.record["slots"]) == 2
    assert len(second.record["entries"]) == 1  # the one who lost the first draw
    assert verify_record(second.record).ok


def test_officer_commands_need_the_mission(registered, window, missions):
    registered()
    window.closes_at = timezone.now() - timedelta(minutes=1)
    window.save()
    with pytest.raises(NotAllowed):
        cs.draw_commit(actor=missions["officer_spb"], window=window)
    draw = cs.draw_commit(actor=missions["officer"], window=window)
    assert draw.number == 1


# --- the applicant's steps and check-in -------------------------------------------------------


def _booked(registered, window):
    appointment = registered()
    close_and_draw(window)
    appointment.refresh_from_db()
    return cs.appointment_confirm(actor=appointment.user, appointment=appointment)


def test_booking_links_the_case_to_the_mission(registered, window, missions):
    appointment = _booked(registered, window)
    assert appointment.status == AppointmentStatus.BOOKED
    link = CaseMission.objects.get(application=appointment.application)
    assert link.mission == missions["fr"]


def test_someone_else_cannot_confirm_cancel_or_reschedule(registered, window, make_user):
    appointment = registered()
    close_and_draw(window)
    appointment.refresh_from_db()
    stranger = make_user()
    for service in (cs.appointment_confirm, cs.appointment_cancel, cs.appointment_reschedule):
        with pytest.raises(NotAllowed):
            service(actor=stranger, appointment=appointment)


def test_reschedule_gives_the_slot_back_for_the_next_draw(registered, window):
    appointment = _booked(registered, window)
    slot = appointment.slot
    appointment = cs.appointment_reschedule(actor=appointment.user, appointment=appointment)
    assert appointment.status == AppointmentStatus.WAITING and appointment.slot is None
    second = close_and_draw(window, at=window.closes_at + timedelta(minutes=30))
    assert slot.code in second.record["slots"]
    assert appointment.entry_id in second.record["entries"]


def test_cancel(registered, window):
    appointment = _booked(registered, window)
    appointment = cs.appointment_cancel(actor=appointment.user, appointment=appointment)
    assert appointment.status == AppointmentStatus.CANCELLED
    with pytest.raises(InvalidState):
        cs.appointment_cancel(actor=appointment.user, appointment=appointment)


def test_check_in_with_the_right_passport(registered, window, missions):
    appointment = _booked(registered, window)
    applicant = appointment.application.applicant
    with time_machine.travel(appointment.slot.starts_at, tick=False):
        result = cs.appointment_check_in(
            actor=missions["officer"], appointment=appointment, mrz=mrz_of(applicant)
        )
    assert result.checked_in, result.problems
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    assert AuditEvent.objects.filter(action="consular.checked_in").exists()


def test_check_in_with_another_persons_passport_is_refused(registered, window, missions):
    appointment = _booked(registered, window)
    applicant = appointment.application.applicant
    other = mrz_of(applicant, surname="PETROVA", given_names="OLGA", document_number="751111111")
    with time_machine.travel(appointment.slot.starts_at, tick=False):
        result = cs.appointment_check_in(
            actor=missions["officer"], appointment=appointment, mrz=other
        )
    assert not result.checked_in
    fields = [f.field for f in result.comparison.mismatches]
    assert fields == ["surname", "given_names", "document_number"]
    assert len(result.problems) == 3
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    event = AuditEvent.objects.get(action="consular.check_in_refused")
    assert event.data["differing"] == ["surname", "given_names", "document_number"]
    assert "PETROVA" not in str(event.data)


def test_check_in_refuses_wrong_nationality_and_expired_passport(registered, window, missions):
    appointment = _booked(registered, window)
    applicant = appointment.application.applicant
    with time_machine.travel(appointment.slot.starts_at, tick=False):
        result = cs.appointment_check_in(
            actor=missions["officer"], appointment=appointment,
            mrz=mrz_of(applicant, nationality="UKR"),
        )  # fmt: skip
    assert not result.checked_in and not result.nationality_ok


def test_check_in_refuses_unreadable_zone_and_other_missions(registered, window, missions):
    appointment = _booked(registered, window)
    with time_machine.travel(appointment.slot.starts_at, tick=False):
        with pytest.raises(InvalidInput) as exc:
            cs.appointment_check_in(
                actor=missions["officer"], appointment=appointment, mrz="P<RUSIVANOVA"
            )
        assert exc.value.field == "mrz"
        with pytest.raises(NotAllowed):
            cs.appointment_check_in(
                actor=missions["officer_spb"], appointment=appointment,
                mrz=mrz_of(appointment.application.applicant),
            )  # fmt: skip


def test_check_in_only_on_the_day(registered, window, missions):
    appointment = _booked(registered, window)
    with pytest.raises(InvalidState, match="not today"):
        cs.appointment_check_in(
            actor=missions["officer"], appointment=appointment,
            mrz=mrz_of(appointment.application.applicant),
        )  # fmt: skip


def test_no_show_after_the_start_only(registered, window, missions):
    appointment = _booked(registered, window)
    with pytest.raises(InvalidState):
        cs.appointment_no_show(actor=missions["officer"], appointment=appointment)
    with time_machine.travel(appointment.slot.starts_at + timedelta(minutes=30), tick=False):
        appointment = cs.appointment_no_show(actor=missions["officer"], appointment=appointment)
    assert appointment.status == AppointmentStatus.NO_SHOW


# --- the worker ---------------------------------------------------------------------------------


def test_the_tick_commits_performs_and_reminds(registered, window, mailoutbox):
    people = [registered() for _ in range(2)]
    at = window.closes_at + timedelta(minutes=1)
    assert cs.consular_tick(now=at)["committed"] == 1
    assert cs.consular_tick(now=at + cs.DRAW_DELAY)["performed"] == 1
    for person in people:
        person.refresh_from_db()
        assert person.status == AppointmentStatus.OFFERED
        cs.appointment_confirm(actor=person.user, appointment=person)
    eve = people[0].slot.starts_at - timedelta(hours=20)
    assert cs.reminders_send(now=eve) == 2
    assert cs.reminders_send(now=eve) == 0
    assert len(mailoutbox) == 4  # two offers, two reminders


def test_messages_in_safe_mode_say_nothing(registered, window, mailoutbox):
    appointment = registered()
    applicant = appointment.application.applicant
    applicant.safe_mode = True
    applicant.save()
    close_and_draw(window)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert "appointment" not in (message.subject + message.body).lower()
    assert "new message" in message.subject


# --- privacy --------------------------------------------------------------------------------------


def test_personal_data_of_closed_appointments_is_erased_after_retention(registered, window):
    kept, closed = registered(), registered()
    closed = cs.appointment_cancel(actor=closed.user, appointment=closed)
    assert cs.appointments_erase_expired(now=closed.closed_at + timedelta(days=89)) == 0
    later = closed.closed_at + timedelta(days=cs.RETENTION_DAYS + 1)
    assert cs.appointments_erase_expired(now=later) == 1
    closed.refresh_from_db()
    kept.refresh_from_db()
    assert (closed.surname, closed.passport_number, closed.passport_index) == ("", "", "")
    assert closed.erased_at == later and closed.status == AppointmentStatus.CANCELLED
    assert kept.surname and kept.erased_at is None
    assert cs.appointments_erase_expired(now=later) == 0


def test_the_data_download_holds_the_appointment_without_keys(registered, window):
    from relocard.portal.subject_data import subject_data

    appointment = registered()
    close_and_draw(window)
    data = subject_data(appointment.user)
    rows = data["profile"]["applications"][0]["appointments"]
    assert rows[0]["entry_id"] == appointment.entry_id
    assert rows[0]["passport_number"] == appointment.passport_number
    text = str(data)
    assert appointment.passport_index not in text and appointment.name_index not in text
    assert "seed" not in text


def test_an_officer_belongs_to_a_mission_of_their_member_state(missions, staff, make_user):
    from relocard.accounts.models import Role

    with pytest.raises(InvalidInput, match="own member state"):
        cs.mission_officer_assign(actor=None, user=missions["officer_de"], mission=missions["fr"])
    with pytest.raises(InvalidInput, match="Only a consular officer"):
        cs.mission_officer_assign(actor=None, user=staff["caseworker"], mission=missions["fr"])
    with pytest.raises(NotAllowed):
        cs.mission_officer_assign(
            actor=missions["officer"], user=missions["officer_spb"], mission=missions["fr"]
        )
    admin = make_user(Role.PROGRAMME_ADMIN)
    newcomer = make_user(Role.CONSULAR_OFFICER, "FR")
    post = cs.mission_officer_assign(actor=admin, user=newcomer, mission=missions["fr"])
    assert post.mission == missions["fr"]
    assert AuditEvent.objects.filter(action="consular.officer_assigned").count() == 1
    # Again at the same mission: nothing changes, nothing is written.
    assert cs.mission_officer_assign(actor=admin, user=newcomer, mission=missions["fr"]) == post
    assert AuditEvent.objects.filter(action="consular.officer_assigned").count() == 1
    # Never a silent move: an officer of another mission is refused, and stays there.
    with pytest.raises(InvalidInput, match="already an officer of"):
        cs.mission_officer_assign(actor=admin, user=missions["officer_spb"], mission=missions["fr"])
    assert MissionOfficer.objects.get(user=missions["officer_spb"]).mission == missions["spb"]
