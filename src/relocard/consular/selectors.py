"""Reads of the consular channel that are more than a get."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from relocard.accounts.models import Role, User
from relocard.cases.models import Application
from relocard.common import access
from relocard.consular.models import (
    ACTIVE_STATUSES,
    HOLDS_SLOT,
    Appointment,
    AppointmentStatus,
    BookingWindow,
    Draw,
    Mission,
    MissionOfficer,
    Slot,
    SlotReservation,
)
from relocard.reference.models import MemberState

ELIGIBLE_STATES = ("draft", "submitted", "in_review", "correction_requested")


def eligible_applications(user) -> list[Application]:
    """The user's open, undecided applications (for which interest can be registered)."""
    return list(
        access.applicant_cases(user)
        .filter(state__in=ELIGIBLE_STATES)
        .select_related("member_state", "applicant")
        .order_by("member_state_id")
    )


def open_windows(member_states: list[str]) -> list[BookingWindow]:
    return list(
        BookingWindow.objects.filter(
            mission__member_state_id__in=member_states,
            mission__active=True,
            closes_at__gt=timezone.now(),
        )
        .select_related("mission", "mission__member_state")
        .order_by("first_day", "mission__city")
    )


def own_appointment_list(user) -> list[Appointment]:
    return list(
        access.own_appointments(user)
        .select_related("window__mission", "slot", "application")
        .order_by("-registered_at")
    )


def has_active_appointment(user) -> bool:
    return access.own_appointments(user).filter(status__in=ACTIVE_STATUSES).exists()


def window_for_interest(window_id: int) -> BookingWindow | None:
    """An open window (anyone signed in may see which windows are open)."""
    return (
        BookingWindow.objects.select_related("mission", "mission__member_state")
        .filter(pk=window_id, closes_at__gt=timezone.now(), mission__active=True)
        .first()
    )


def mission_windows(mission: Mission) -> list[dict]:
    """The mission's recent and coming windows with their draws and counts by status."""
    since = mission.today() - timedelta(days=14)
    windows = list(
        mission.windows.filter(last_day__gte=since).prefetch_related("draws").order_by("-first_day")
    )
    counts = Counter()
    for window_id, status, held, n in (
        Appointment.objects.filter(window__in=windows)
        .values_list("window_id", "status", "held")
        .annotate(n=Count("id"))
    ):
        counts[(window_id, status)] += n
        if held and status in ACTIVE_STATUSES:
            counts[(window_id, "held")] += n
    return [
        {
            "window": w,
            "draws": list(w.draws.all()),
            "pending": next((d for d in w.draws.all() if d.performed_at is None), None),
            "counts": {s: counts[(w.pk, s)] for s in [*AppointmentStatus.values, "held"]},
        }
        for w in windows
    ]


def day_appointments(mission: Mission, day: date) -> list[Appointment]:
    """The appointments of a day at a mission (local day), in slot order."""
    start = datetime.combine(day, time(0), tzinfo=mission.zone)
    return list(
        Appointment.objects.filter(
            window__mission=mission,
            slot__starts_at__gte=start,
            slot__starts_at__lt=start + timedelta(days=1),
            status__in=[
                AppointmentStatus.BOOKED,
                AppointmentStatus.CHECKED_IN,
                AppointmentStatus.NO_SHOW,
            ],
        )
        .select_related("slot", "application")
        .order_by("slot__starts_at", "slot__code")
    )


def day_reservations(reservations: QuerySet[SlotReservation], mission: Mission, day: date):
    """The reservations of a day at a mission (local day), in slot order: ``reservations``
    is what the access module lets the officer see (``access.mission_reservations``)."""
    start = datetime.combine(day, time(0), tzinfo=mission.zone)
    return list(
        reservations.filter(
            slot__starts_at__gte=start, slot__starts_at__lt=start + timedelta(days=1)
        )
        .select_related("slot")
        .order_by("slot__starts_at", "slot__code")
    )


#: How far ahead an invitation may offer slots.
RESERVABLE_DAYS = 120
RESERVABLE_LIMIT = 300


def reservable_slots(member_state: str, *, days: int = RESERVABLE_DAYS) -> list[Slot]:
    """The free published slots of the member state's active missions, from an hour ahead:
    what an invitation outside the draws may reserve (``services.slot_reserve`` checks again
    under the slot's lock)."""
    now = timezone.now()
    held = Appointment.objects.filter(status__in=HOLDS_SLOT, slot__isnull=False).values("slot_id")
    reserved = SlotReservation.objects.filter(ended_at__isnull=True).values("slot_id")
    return list(
        Slot.objects.filter(
            mission__member_state_id=member_state,
            mission__active=True,
            withdrawn=False,
            starts_at__gte=now + timedelta(hours=1),
            starts_at__lt=now + timedelta(days=days),
        )
        .exclude(pk__in=held)
        .exclude(pk__in=reserved)
        .select_related("mission")
        .order_by("mission__city", "mission__kind", "mission_id", "starts_at", "code")[
            :RESERVABLE_LIMIT
        ]
    )


def upcoming_slots(mission: Mission, days: int = 14) -> list[tuple[date, int, int]]:
    """(day, slots, slots taken) for the coming days that have slots."""
    now = timezone.now()
    rows = Counter()
    taken = Counter()
    for slot in mission.slots.filter(
        starts_at__gte=now, starts_at__lt=now + timedelta(days=days), withdrawn=False
    ).annotate(
        holding=Count(
            "appointments",
            filter=Q(appointments__status__in=["offered", "booked"]),
        ),
        reserved=Count("reservations", filter=Q(reservations__ended_at__isnull=True)),
    ):
        day = mission.local(slot.starts_at).date()
        rows[day] += 1
        taken[day] += bool(slot.holding or slot.reserved)
    return [(d, rows[d], taken[d]) for d in sorted(rows)]


def public_draw(mission_id: int, window_id: int, number: int) -> Draw | None:
    return (
        Draw.objects.select_related("window__mission")
        .filter(window_id=window_id, window__mission_id=mission_id, number=number)
        .first()
    )


def draw_public_record(draw: Draw) -> dict:
    """The record as published: before the draw only the commitment, after it everything."""
    if draw.performed_at is not None:
        return draw.record
    window, mission = draw.window, draw.window.mission
    return {
        "format": "relocard-consular-draw/1",
        "status": "committed",
        "mission": {"id": mission.pk, "member_state": mission.member_state_id, "city": mission.city},
        "window": {"id": window.pk, "first_day": window.first_day.isoformat(),
                   "last_day": window.last_day.isoformat()},
        "draw": draw.number,
        "committed_at": draw.committed_at.isoformat(),
        "draw_after": draw.draw_after.isoformat(),
        "commitment": draw.commitment,
        "seed": None,
    }  # fmt: skip


def mission_statistics(missions: QuerySet[Mission]) -> list[dict]:
    """Per mission: appointments by status and cases linked (one grouped query each)."""
    missions = list(missions.select_related("member_state"))
    by_status = Counter()
    for mission_id, status, n in (
        Appointment.objects.filter(window__mission__in=missions)
        .values_list("window__mission_id", "status")
        .annotate(n=Count("id"))
    ):
        by_status[(mission_id, status)] = n
    cases = dict(
        Application.objects.filter(mission_link__mission__in=missions)
        .values_list("mission_link__mission_id")
        .annotate(n=Count("id"))
    )
    return [
        {
            "mission": m,
            "counts": {s: by_status[(m.pk, s)] for s in AppointmentStatus.values},
            "cases": cases.get(m.pk, 0),
        }
        for m in missions
    ]


def cases_at_mission(cases: QuerySet[Application], mission_id: int) -> QuerySet[Application]:
    """Narrow a queryset of cases (already limited by access) to those of one mission."""
    return cases.filter(mission_link__mission_id=mission_id)


def held_registrations(mission: Mission) -> list[Appointment]:
    """Registrations held because the same person has another one from another account."""
    return list(
        Appointment.objects.filter(
            window__mission=mission, held=True, status=AppointmentStatus.WAITING
        )
        .select_related("application", "window")
        .order_by("registered_at")
    )


def member_states() -> QuerySet[MemberState]:
    """The member states a mission can belong to, by code (the form of a new mission)."""
    return MemberState.objects.order_by("code")


def mission_officers(mission: Mission) -> QuerySet[MissionOfficer]:
    """A mission's officers, with their accounts, by e-mail address."""
    return mission.officers.select_related("user").order_by("user__email")


def officer_candidates(mission: Mission):
    """Accounts that can be attached to ``mission``: active consular officers of its member
    state who have no mission yet."""
    return User.objects.filter(
        role=Role.CONSULAR_OFFICER,
        member_state_id=mission.member_state_id,
        is_active=True,
        mission_post__isnull=True,
    ).order_by("email")


def move_targets(post: MissionOfficer) -> QuerySet[Mission]:
    """The other missions of the officer's member state."""
    return (
        Mission.objects.filter(member_state_id=post.mission.member_state_id)
        .exclude(pk=post.mission_id)
        .order_by("city", "kind")
    )
