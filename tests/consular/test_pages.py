"""The consular pages through HTTP: the access matrix, forms with clear errors, check-in at
the door, the public draw record, the console's queue by mission."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from tests.consular.conftest import close_and_draw, mrz_of, passport_of

from relocard.consular import services as cs
from relocard.consular.models import Appointment, AppointmentStatus, Slot
from relocard.core.consular import verify_record

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "owner",
    "other_applicant",
    "officer",
    "officer_other_mission",
    "officer_other_state",
    "caseworker",
    "auditor",
    "programme_admin",
]


@pytest.fixture
def actor(missions, staff, make_user, make_applicant):
    from relocard.accounts.models import Role

    def make(role, appointment):
        return {
            "anonymous": lambda: None,
            "owner": lambda: appointment.user,
            "other_applicant": lambda: make_applicant().user,
            "officer": lambda: missions["officer"],
            "officer_other_mission": lambda: missions["officer_spb"],
            "officer_other_state": lambda: missions["officer_de"],
            "caseworker": lambda: staff["caseworker"],
            "auditor": lambda: staff["auditor"],
            "programme_admin": lambda: make_user(Role.PROGRAMME_ADMIN),
        }[role]()

    return make


def _as(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _seen(response) -> bool:
    return response.status_code == 200


PAGES = {
    "consular:appointment": ({"owner"}, lambda a: {"entry_id": a.entry_id}),
    "consular:check_in": ({"officer", "programme_admin"}, lambda a: {"entry_id": a.entry_id}),
    "consular:day": ({"officer", "programme_admin"}, lambda a: {"mission_id": a.window.mission_id}),
    "consular:mission": (
        {"officer", "programme_admin"},
        lambda a: {"mission_id": a.window.mission_id},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", list(PAGES))
def test_page_visibility(client, booked, actor, view, role):
    allowed, kwargs = PAGES[view]
    response = _as(client, actor(role, booked)).get(reverse(view, kwargs=kwargs(booked)))
    assert _seen(response) == (role in allowed), response.status_code
    if role not in allowed:
        assert response.status_code in (302, 404)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_missions_officers_check_in(client, booked, actor, role):
    user = actor(role, booked)
    url = reverse("consular:check_in", kwargs={"entry_id": booked.entry_id})
    with time_machine.travel(booked.slot.starts_at, tick=False):
        response = _as(client, user).post(url, {"mrz": mrz_of(booked.application.applicant)})
    booked.refresh_from_db()
    expected = role in {"officer", "programme_admin"}
    assert (booked.status == AppointmentStatus.CHECKED_IN) == expected
    if not expected:
        assert response.status_code in (302, 404)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_cancels(client, booked, actor, role):
    url = reverse(
        "consular:appointment_act", kwargs={"entry_id": booked.entry_id, "action": "cancel"}
    )
    _as(client, actor(role, booked)).post(url)
    booked.refresh_from_db()
    assert (booked.status == AppointmentStatus.CANCELLED) == (role == "owner")


def test_statistics_by_mission_show_only_the_users_missions(client, booked, missions, staff):
    url = reverse("consular:statistics")
    page = _as(client, staff["supervisor"]).get(url).content.decode()
    assert "FR Embassy Moscow" in page and "DE Embassy Moscow" not in page
    client.logout()
    page = _as(client, missions["officer_de"]).get(url).content.decode()
    assert "DE Embassy Moscow" in page and "FR Embassy" not in page
    client.logout()
    assert _as(client, booked.user).get(url).status_code in (302, 404)


def test_console_queue_filters_by_mission(client, booked, staff, make_case, missions):
    from relocard.cases import services as case_services

    case_services.application_submit(actor=booked.user, application=booked.application, token="t1")
    other = make_case("submitted")
    url = reverse("console:queue")
    page = _as(client, staff["caseworker"]).get(url).content.decode()
    assert booked.application.reference in page and other.reference in page
    page = client.get(url, {"mission": missions["fr"].pk}).content.decode()
    assert booked.application.reference in page and other.reference not in page
    assert client.get(url, {"mission": missions["de"].pk}).status_code == 200  # not a choice


# --- forms -----------------------------------------------------------------------------------


def test_register_interest_through_the_form(client, make_case, window):
    case = make_case()
    applicant = case.applicant
    _as(client, applicant.user)
    page = client.get(reverse("consular:mine")).content.decode()
    assert reverse("consular:register", kwargs={"window_id": window.pk}) in page
    url = reverse("consular:register", kwargs={"window_id": window.pk})
    form = {
        "application": case.reference,
        "surname": applicant.surname_latin,
        "given_names": applicant.given_names_latin,
        "date_of_birth": applicant.date_of_birth.isoformat(),
        "nationality": "RU",
        "passport_number": "750000001",
        "passport_expiry": applicant.passport_expiry.isoformat(),
    }
    response = client.post(url, form)
    assert response.status_code == 400
    assert "differ from those of your application: passport number" in response.content.decode()
    assert not Appointment.objects.exists()
    response = client.post(url, {**form, "passport_number": applicant.passport_number})
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and appointment.entry_id in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert appointment.entry_id in page and "Waiting for a draw" in page


def test_publishing_slots_with_a_bad_time_says_which(client, missions, day_ahead):
    _as(client, missions["officer"])
    url = reverse("consular:slots_publish", kwargs={"mission_id": missions["fr"].pk})
    response = client.post(
        url, {"day": day_ahead.isoformat(), "times": "9:00, 25:00", "per_time": 1}
    )
    assert response.status_code == 400
    assert "“25:00” is not a time" in response.content.decode()
    assert not Slot.objects.exists()
    response = client.post(
        url, {"day": day_ahead.isoformat(), "times": "9:00, 9:20", "per_time": 2}
    )
    assert response.status_code == 302 and Slot.objects.count() == 4


def test_check_in_page_shows_the_differences(client, booked, missions):
    url = reverse("consular:check_in", kwargs={"entry_id": booked.entry_id})
    applicant = booked.application.applicant
    other = mrz_of(applicant, surname="SMIRNOVA", birth_date=applicant.date_of_birth + timedelta(1))
    with time_machine.travel(booked.slot.starts_at, tick=False):
        _as(client, missions["officer"])
        day = client.get(reverse("consular:day", kwargs={"mission_id": missions["fr"].pk}))
        assert url in day.content.decode()
        response = client.post(url, {"mrz": other})
        assert response.status_code == 409
        page = response.content.decode()
        assert "Check-in refused" in page and "SMIRNOVA" in page
        response = client.post(url, {"mrz": "not a zone"})
        assert response.status_code == 400
        response = client.post(url, {"mrz": mrz_of(applicant).replace("\n", "\r\n")})
        assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CHECKED_IN


def test_the_draw_record_is_public_and_recomputes(client, registered, window, missions):
    for _ in range(3):
        registered()
    draw = cs.draw_commit(actor=None, window=window, now=window.closes_at + timedelta(minutes=1))
    url = reverse(
        "consular:draw_record",
        kwargs={"mission_id": missions["fr"].pk, "window_id": window.pk, "number": 1},
    )
    before = json.loads(client.get(url).content)
    assert before["status"] == "committed" and before["seed"] is None
    assert before["commitment"] == draw.commitment
    cs.draw_perform(actor=None, draw=draw, now=draw.draw_after)
    after = json.loads(client.get(url).content)
    assert after["commitment"] == before["commitment"]
    assert verify_record(after).ok
    wrong = reverse(
        "consular:draw_record",
        kwargs={"mission_id": missions["de"].pk, "window_id": window.pk, "number": 1},
    )
    assert client.get(wrong).status_code == 404


def test_interest_for_someone_elses_passport_gives_the_same_answer(
    client, registered, make_applicant, window
):
    """No oracle: the page answers the same whether the person is registered elsewhere."""
    from relocard.cases import services as case_services

    first = registered()
    victim = first.application.applicant
    answers = []
    for data in (
        {},
        {"passport_number": victim.passport_number, "date_of_birth": victim.date_of_birth},
    ):
        person = make_applicant(**data)
        case = case_services.application_start(
            actor=person.user, applicant=person, member_state_code="FR"
        )
        client.force_login(person.user)
        passport = passport_of(person)
        response = client.post(
            reverse("consular:register", kwargs={"window_id": window.pk}),
            {
                "application": case.reference,
                "surname": passport.surname,
                "given_names": passport.given_names,
                "date_of_birth": passport.date_of_birth.isoformat(),
                "nationality": "RU",
                "passport_number": passport.passport_number,
                "passport_expiry": passport.passport_expiry.isoformat(),
            },
            follow=True,
        )
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        entry = Appointment.objects.filter(user=person.user).get().entry_id
        answers.append(
            (response.status_code, text.replace(entry, "ENTRY").replace(case.reference, "REF"))
        )
        client.logout()
    assert answers[0] == answers[1]


def test_officers_release_a_held_registration(client, registered, make_applicant, window, missions):
    from relocard.cases import services as case_services

    first = registered()
    victim = first.application.applicant
    same = make_applicant(
        passport_number=victim.passport_number, date_of_birth=victim.date_of_birth
    )
    case = case_services.application_start(actor=same.user, applicant=same, member_state_code="FR")
    held = cs.interest_register(
        actor=same.user, application=case, window=window, passport=passport_of(same)
    )
    url = reverse("consular:release", kwargs={"entry_id": held.entry_id})
    _as(client, missions["officer_spb"]).post(url)
    held.refresh_from_db()
    assert held.held  # another mission's officer: not found
    client.logout()
    _as(client, missions["officer"])
    page = client.get(reverse("consular:mission", kwargs={"mission_id": missions["fr"].pk}))
    assert held.entry_id in page.content.decode()
    client.post(url)
    held.refresh_from_db()
    assert not held.held
    draw = close_and_draw(window)
    assert held.entry_id in draw.record["entries"]
