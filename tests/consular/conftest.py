"""Fixtures of the consular channel: missions with officers, windows, a booked person."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def missions(db, staff, make_user):
    """FR Moscow (the FR consular officer), FR St Petersburg (its own officer), DE Moscow."""
    from relocard.accounts.models import Role
    from relocard.consular.models import Mission, MissionOfficer

    every_day = "1,2,3,4,5,6,7"
    fr = Mission.objects.create(
        member_state_id="FR", kind="embassy", city="Moscow", address="Bolshaya Yakimanka 45",
        time_zone="Europe/Moscow", opening_weekdays=every_day,
    )  # fmt: skip
    spb = Mission.objects.create(
        member_state_id="FR", kind="consulate", city="St Petersburg", address="Moika 15",
        time_zone="Europe/Moscow", opening_weekdays=every_day,
    )  # fmt: skip
    de = Mission.objects.create(
        member_state_id="DE", kind="embassy", city="Moscow", address="Mosfilmovskaya 56",
        time_zone="Europe/Moscow", opening_weekdays=every_day,
    )  # fmt: skip
    officer_spb = make_user(Role.CONSULAR_OFFICER, "FR")
    officer_de = make_user(Role.CONSULAR_OFFICER, "DE")
    MissionOfficer.objects.create(user=staff["consular_officer"], mission=fr)
    MissionOfficer.objects.create(user=officer_spb, mission=spb)
    MissionOfficer.objects.create(user=officer_de, mission=de)
    return {
        "fr": fr,
        "spb": spb,
        "de": de,
        "officer": staff["consular_officer"],
        "officer_spb": officer_spb,
        "officer_de": officer_de,
    }


def passport_of(applicant, **changes):
    from relocard.consular.services import PassportData

    data = {
        "surname": applicant.surname_latin,
        "given_names": applicant.given_names_latin,
        "date_of_birth": applicant.date_of_birth,
        "nationality": applicant.nationality,
        "passport_number": applicant.passport_number,
        "passport_expiry": applicant.passport_expiry,
        **changes,
    }
    return PassportData(**data)


def mrz_of(applicant, **changes) -> str:
    from relocard.core.identity import format_td3

    data = {
        "surname": applicant.surname_latin,
        "given_names": applicant.given_names_latin,
        "document_number": applicant.passport_number,
        "nationality": "RUS",
        "birth_date": applicant.date_of_birth,
        "expiry_date": applicant.passport_expiry,
        "sex": "F",
        **changes,
    }
    return "\n".join(format_td3(**data))


@pytest.fixture
def day_ahead():
    """A day three days ahead (Moscow), and the window's registration close before it."""
    today = timezone.now().astimezone(timezone.get_fixed_timezone(180)).date()
    return today + timedelta(days=3)


@pytest.fixture
def window(missions, day_ahead):
    """An FR Moscow window over ``day_ahead`` with three slots, registration open one day."""
    from relocard.consular import services as cs

    officer = missions["officer"]
    cs.slots_publish(
        actor=officer, mission=missions["fr"], day=day_ahead,
        times=[time(9, 0), time(9, 30)], per_time=1,
    )  # fmt: skip
    cs.slots_publish(actor=officer, mission=missions["fr"], day=day_ahead, times=[time(10, 0)])
    return cs.window_open(
        actor=officer,
        mission=missions["fr"],
        first_day=day_ahead,
        last_day=day_ahead,
        closes_at=timezone.now() + timedelta(hours=1),
    )


def close_and_draw(window, *, at=None):
    """Commit and perform the window's next draw as the worker would, after registration."""
    from relocard.consular import services as cs

    at = at or window.closes_at + timedelta(minutes=1)
    draw = cs.draw_commit(actor=None, window=window, now=at)
    return cs.draw_perform(actor=None, draw=draw, now=at + cs.DRAW_DELAY)


@pytest.fixture
def registered(make_case, window):
    """A draft FR case whose applicant registered interest in ``window``."""
    from relocard.consular import services as cs

    def make(state="draft"):
        case = make_case(state)
        return cs.interest_register(
            actor=case.applicant.user,
            application=case,
            window=window,
            passport=passport_of(case.applicant),
        )

    return make


@pytest.fixture
def booked(registered, window):
    """A draft FR case whose applicant won a slot in ``window``'s draw and confirmed it."""
    from relocard.consular import services as cs

    appointment = registered()
    close_and_draw(window)
    appointment.refresh_from_db()
    return cs.appointment_confirm(actor=appointment.user, appointment=appointment)


def moscow(day, at: time) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(day, at, tzinfo=ZoneInfo("Europe/Moscow"))
