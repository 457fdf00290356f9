"""Who reaches an ONLINE case at a mission: the consular officers of the mission where its
applicant was checked in (passport compared at the door), and only them, only after check-in.
Embassy walk-in cases keep reaching every consular officer of their member state."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse
from tests.consular.conftest import close_and_draw, mrz_of

from relocard.cases.models import Channel
from relocard.common import access
from relocard.common.errors import NotAllowed
from relocard.consular import services as cs
from relocard.consular.models import AppointmentStatus, CaseMission
from relocard.enrolment import services as mission_desk
from relocard.enrolment.models import BiometricEnrolment

pytestmark = pytest.mark.django_db

ROLES = ["officer", "officer_other_mission", "officer_other_state", "caseworker", "owner"]


@pytest.fixture
def booked_online(registered, window):
    """A submitted ONLINE FR case whose applicant booked a slot at FR Moscow."""
    appointment = registered("submitted")
    close_and_draw(window)
    appointment.refresh_from_db()
    appointment = cs.appointment_confirm(actor=appointment.user, appointment=appointment)
    assert appointment.application.channel == Channel.ONLINE
    return appointment


@pytest.fixture
def checked_in(booked_online, missions):
    with time_machine.travel(booked_online.slot.starts_at, tick=False):
        result = cs.appointment_check_in(
            actor=missions["officer"],
            appointment=booked_online,
            mrz=mrz_of(booked_online.application.applicant),
        )
    assert result.checked_in
    booked_online.refresh_from_db()
    assert booked_online.status == AppointmentStatus.CHECKED_IN
    return booked_online


@pytest.fixture
def who(missions, staff):
    def make(role, appointment):
        return {
            "officer": missions["officer"],
            "officer_other_mission": missions["officer_spb"],
            "officer_other_state": missions["officer_de"],
            "caseworker": staff["caseworker"],
            "owner": appointment.user,
        }[role]

    return make


def _reaches(client, user, application) -> dict[str, int]:
    """Status codes of the pages that open a case, and whether the queue lists it."""
    client.force_login(user)
    codes = {}
    if user.role != "applicant":
        codes["case"] = client.get(reverse("console:case", args=[application.reference]))
        codes["mission"] = client.get(reverse("enrolment:mission", args=[application.reference]))
    codes = {name: response.status_code for name, response in codes.items()}
    codes["listed"] = access.staff_cases(user).filter(pk=application.pk).exists()
    codes["reads"] = access.can_read_case(user, application)
    codes["records"] = access.can_record_at_mission(user, application)
    client.logout()
    return codes


AFTER_CHECK_IN = {
    "officer": {"case": 200, "mission": 200, "listed": True, "reads": True, "records": True},
    "officer_other_mission": {
        "case": 404, "mission": 404, "listed": False, "reads": False, "records": False
    },
    "officer_other_state": {
        "case": 404, "mission": 404, "listed": False, "reads": False, "records": False
    },
    # Caseworkers: unchanged (they review the case, they record nothing at the mission).
    "caseworker": {"case": 200, "mission": 404, "listed": True, "reads": True, "records": False},
    "owner": {"listed": False, "reads": True, "records": False},
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_after_check_in_only_the_missions_officers_reach_the_case(client, checked_in, who, role):
    assert _reaches(client, who(role, checked_in), checked_in.application) == AFTER_CHECK_IN[role]


@pytest.mark.parametrize("role", ["officer", "officer_other_mission", "officer_other_state"])
def test_before_check_in_no_officer_reaches_the_online_case(client, booked_online, who, role):
    """Booked (the case is linked to the mission) but not yet seen: the mission sees the
    appointment on its day list, not the case."""
    application = booked_online.application
    assert CaseMission.objects.filter(application=application).exists()
    expected = {"case": 404, "mission": 404, "listed": False, "reads": False, "records": False}
    assert _reaches(client, who(role, booked_online), application) == expected


def test_a_refused_check_in_opens_nothing(client, booked_online, missions, who):
    applicant = booked_online.application.applicant
    with time_machine.travel(booked_online.slot.starts_at, tick=False):
        result = cs.appointment_check_in(
            actor=missions["officer"], appointment=booked_online, mrz=mrz_of(applicant, surname="X")
        )
    assert not result.checked_in
    assert not access.can_read_case(missions["officer"], booked_online.application)


def test_the_case_follows_its_mission(client, checked_in, missions):
    """When the case is linked to another mission (the applicant booked there later), the first
    mission's officers lose it and the new one's see it only after their own check-in."""
    application = checked_in.application
    CaseMission.objects.filter(application=application).update(mission=missions["spb"])
    assert not access.can_read_case(missions["officer"], application)
    assert not access.can_read_case(missions["officer_spb"], application)
    assert not access.staff_cases(missions["officer"]).filter(pk=application.pk).exists()


def test_an_officer_without_a_mission_sees_embassy_cases_only(checked_in, make_user, make_case):
    from relocard.accounts.models import Role
    from relocard.cases.models import Application

    loose = make_user(Role.CONSULAR_OFFICER, "FR")
    walkin = make_case("submitted")
    Application.objects.filter(pk=walkin.pk).update(channel=Channel.EMBASSY)
    walkin.refresh_from_db()
    assert access.can_read_case(loose, walkin)
    assert not access.can_read_case(loose, checked_in.application)
    listed = set(access.staff_cases(loose).values_list("pk", flat=True))
    assert walkin.pk in listed and checked_in.application_id not in listed


def test_embassy_cases_still_reach_every_officer_of_the_state(make_case, missions):
    from relocard.cases.models import Application

    walkin = make_case("submitted")
    Application.objects.filter(pk=walkin.pk).update(channel=Channel.EMBASSY)
    walkin.refresh_from_db()
    assert access.can_record_at_mission(missions["officer"], walkin)
    assert access.can_record_at_mission(missions["officer_spb"], walkin)
    assert not access.can_read_case(missions["officer_de"], walkin)


def test_the_missions_officer_records_biometrics_the_others_cannot(checked_in, missions):
    application = checked_in.application
    with pytest.raises(NotAllowed) as refused:
        mission_desk.biometrics_record(
            actor=missions["officer_spb"], application=application,
            device_reference="ST-1", place="Consulate, St Petersburg",
        )  # fmt: skip
    assert "consular officer of the mission where this case was checked in" in str(
        refused.value.message
    )
    assert not BiometricEnrolment.objects.exists()
    mission_desk.biometrics_record(
        actor=missions["officer"], application=application,
        device_reference="ST-1", place="Embassy, Moscow",
    )  # fmt: skip
    assert BiometricEnrolment.objects.filter(application=application).count() == 1


def test_the_console_queue_lists_the_checked_in_case_for_the_mission(client, checked_in, missions):
    reference = checked_in.application.reference
    client.force_login(missions["officer"])
    assert reference in client.get(reverse("console:queue")).content.decode()
    client.force_login(missions["officer_spb"])
    assert reference not in client.get(reverse("console:queue")).content.decode()


def test_the_refusal_at_the_mission_desk_is_translated(checked_in, missions):
    from django.utils import translation

    with translation.override("ru"), pytest.raises(NotAllowed) as refused:
        mission_desk.biometrics_record(
            actor=missions["officer_spb"], application=checked_in.application,
            device_reference="ST-1", place="Consulate, St Petersburg",
        )  # fmt: skip
    assert "представительства, где заявитель по этому делу" in str(refused.value.message)
    assert not BiometricEnrolment.objects.exists()
