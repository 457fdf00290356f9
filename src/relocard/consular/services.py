"""Every write of the consular channel: ``<noun>_<verb>(*, actor, ...)``, atomic, audited.

A reservation outside the draws, for a person another service of the member state invites
(the humanitarian route): :func:`slot_reserve` and :func:`slot_reservation_end`. It takes a
free slot by the same locked path as the draw (:func:`_lock_free_slots`), so a slot is never
given twice. At the door, :func:`reservation_check_in` reads the passport's zone with the same
parser as :func:`appointment_check_in` (:func:`_read_zone`) and compares the reservation's name
with the same :func:`compare_identity`.

The service API a humanitarian invitation can call too: :func:`interest_register`,
:func:`appointment_confirm`, :func:`appointment_cancel`, :func:`appointment_reschedule`,
:func:`appointment_check_in`, :func:`appointment_no_show`; the draw: :func:`draw_commit`,
:func:`draw_perform`; the worker's :func:`consular_tick` (lapses, draws, reminders).

Errors: :class:`relocard.common.errors.NotAllowed`, ``InvalidState`` and ``InvalidInput``, each
with a message for the person; nothing is written when one is raised.

Rescheduling gives the slot back and puts the appointment back among those waiting in the
same window, for its next draw (never a first-come-first-served pick of a free slot, which
bots and resellers would win).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pycountry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from relocard.accounts.models import User
from relocard.audit.services import audit_record
from relocard.cases import walkins
from relocard.cases.models import Application
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.common.notifications import notify
from relocard.common.person_index import index_secret
from relocard.consular.models import (
    ACTIVE_STATUSES,
    HOLDS_SLOT,
    Appointment,
    AppointmentStatus,
    BookingWindow,
    CaseMission,
    Draw,
    Mission,
    MissionOfficer,
    Slot,
    SlotReservation,
)
from relocard.core import consular as core_draw
from relocard.core.identity import (
    TD3,
    FieldComparison,
    IdentityComparison,
    IdentityError,
    TypedIdentity,
    compare_identity,
    mrz_name,
    parse_td3,
)
from relocard.core.identity.person import (
    name_key,
    normalise_passport_number,
    passport_key,
)

__all__ = [
    "CLAIM_HOURS",
    "DRAW_DELAY",
    "CheckInResult",
    "PassportData",
    "ReservationCheckInResult",
    "appointment_cancel",
    "appointment_check_in",
    "appointment_confirm",
    "appointment_no_show",
    "appointment_release",
    "appointment_reschedule",
    "appointments_erase_expired",
    "appointments_lapse",
    "consular_tick",
    "draw_commit",
    "draw_perform",
    "embassy_case_open_at_mission",
    "interest_register",
    "mission_create",
    "mission_officer_add",
    "mission_officer_assign",
    "mission_officer_move",
    "mission_officer_remove",
    "reminders_send",
    "reservation_check_in",
    "slot_reservation_end",
    "slot_reserve",
    "slots_publish",
    "window_open",
]

#: Hours a winner has to confirm an offered slot (never past the slot's start).
CLAIM_HOURS = 48
#: Time between a draw's commitment and the earliest moment it can be performed.
DRAW_DELAY = timedelta(minutes=10)
#: Slots per time and day an officer may publish at once.
MAX_PER_TIME = 20
MAX_TIMES = 40
#: Longest booking window (days) and how far ahead it may start.
MAX_WINDOW_DAYS = 31
MAX_DAYS_AHEAD = 180


def _mission_date(mission: Mission, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=mission.zone)


def _require_manager(actor: User, mission: Mission) -> None:
    if not access.can_manage_mission(actor, mission):
        raise NotAllowed(_("Only the officers of this mission can do this."))


# --- slots and windows ------------------------------------------------------------------------


def slots_publish(
    *, actor: User, mission: Mission, day: date, times: list[time], per_time: int = 1
) -> list[Slot]:
    """Publish ``per_time`` slots at each of ``times`` (the mission's local time) on ``day``."""
    _require_manager(actor, mission)
    if not mission.active:
        raise InvalidState(_("This mission is closed: it takes no appointments."))
    if day <= mission.today():
        raise InvalidInput(_("Publish slots for a day after today."), field="day")
    if day > mission.today() + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(
            _("Publish slots at most %(days)s days ahead.") % {"days": MAX_DAYS_AHEAD},
            field="day",
        )
    if day.isoweekday() not in mission.weekdays:
        raise InvalidInput(_("The mission is closed on that day of the week."), field="day")
    if not times:
        raise InvalidInput(_("Give at least one time, e.g. 09:00, 09:30."), field="times")
    if len(set(times)) != len(times):
        raise InvalidInput(_("A time is given twice."), field="times")
    if len(times) > MAX_TIMES:
        raise InvalidInput(_("Give at most %(n)s times at once.") % {"n": MAX_TIMES}, field="times")
    if not 1 <= per_time <= MAX_PER_TIME:
        raise InvalidInput(
            _("Between 1 and %(n)s people per time.") % {"n": MAX_PER_TIME}, field="per_time"
        )
    created = []
    with transaction.atomic():
        Mission.objects.select_for_update().get(pk=mission.pk)
        for at in sorted(times):
            starts = _mission_date(mission, day, at)
            prefix = f"{starts:%Y%m%dT%H%M}-"
            taken = Slot.objects.filter(mission=mission, code__startswith=prefix).count()
            for n in range(taken + 1, taken + per_time + 1):
                created.append(
                    Slot.objects.create(
                        mission=mission,
                        code=f"{prefix}{n:02d}",
                        starts_at=starts,
                        published_by=actor,
                    )
                )
        audit_record(
            actor=actor,
            action="consular.slots_published",
            obj=mission,
            member_state=mission.member_state_id,
            data={"day": day.isoformat(), "slots": [s.code for s in created]},
        )
    return created


def window_open(
    *, actor: User, mission: Mission, first_day: date, last_day: date, closes_at: datetime
) -> BookingWindow:
    """Open a booking window: applicants register interest until ``closes_at``."""
    _require_manager(actor, mission)
    if not mission.active:
        raise InvalidState(_("This mission is closed: it takes no appointments."))
    now = timezone.now()
    if last_day < first_day:
        raise InvalidInput(_("The last day comes before the first."), field="last_day")
    if (last_day - first_day).days >= MAX_WINDOW_DAYS:
        raise InvalidInput(
            _("A window spans at most %(n)s days.") % {"n": MAX_WINDOW_DAYS}, field="last_day"
        )
    if first_day > mission.today() + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(
            _("A window starts at most %(days)s days ahead.") % {"days": MAX_DAYS_AHEAD},
            field="first_day",
        )
    if closes_at <= now:
        raise InvalidInput(_("Registration must close in the future."), field="closes_at")
    if closes_at >= _mission_date(mission, first_day, time(0)):
        raise InvalidInput(
            _("Registration must close before the window's first day."), field="closes_at"
        )
    with transaction.atomic():
        window = BookingWindow.objects.create(
            mission=mission,
            first_day=first_day,
            last_day=last_day,
            closes_at=closes_at,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="consular.window_opened",
            obj=window,
            member_state=mission.member_state_id,
            data={
                "mission": mission.pk,
                "first_day": first_day.isoformat(),
                "last_day": last_day.isoformat(),
                "closes_at": closes_at.isoformat(),
            },
        )
    return window


# --- interest -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PassportData:
    """What the applicant types from their own passport."""

    surname: str
    given_names: str
    date_of_birth: date
    nationality: str
    passport_number: str
    passport_expiry: date


def _differs_from_profile(data: PassportData, applicant) -> list[str]:
    """Fields that do not name the application's person (names compared in the zone's
    letters, so Cyrillic and Latin spellings both match)."""
    names_ok = {
        "surname": {mrz_name(applicant.surname_latin), mrz_name(applicant.surname_cyrillic)},
        "given_names": {
            mrz_name(applicant.given_names_latin),
            mrz_name(applicant.given_names_cyrillic),
        },
    }
    wrong = [f for f in ("surname", "given_names") if mrz_name(getattr(data, f)) not in names_ok[f]]
    if data.date_of_birth != applicant.date_of_birth:
        wrong.append("date_of_birth")
    if data.nationality.upper() != applicant.nationality.upper():
        wrong.append("nationality")
    if normalise_passport_number(data.passport_number) != normalise_passport_number(
        applicant.passport_number
    ):
        wrong.append("passport_number")
    if data.passport_expiry != applicant.passport_expiry:
        wrong.append("passport_expiry")
    return wrong


def _new_entry_id() -> str:
    return secrets.token_hex(8)


def interest_register(
    *, actor: User, application: Application, window: BookingWindow, passport: PassportData
) -> Appointment:
    """Register the applicant's interest in a window (see docs/consular.md).

    One active appointment per person across all missions: a second one of the same account
    is refused with a message about their own; one whose person already has an appointment
    from another account is registered in the same way but held for the officers (the person
    typing learns nothing about anyone else)."""
    mission = window.mission
    if not access.can_register_interest(actor, application, mission):
        raise NotAllowed(
            _(
                "You can register interest only for your own open application in this "
                "mission's member state."
            )
        )
    if not window.is_open:
        raise InvalidState(_("Registration for this window has closed."))
    if not mission.active:
        raise InvalidState(_("This mission is closed: it takes no appointments."))
    fields = {
        "surname": passport.surname.strip(),
        "given_names": passport.given_names.strip(),
    }
    for field, value in fields.items():
        if not value or not mrz_name(value).strip("<"):
            raise InvalidInput(_("Type the name as in your passport."), field=field)
    if not normalise_passport_number(passport.passport_number):
        raise InvalidInput(_("Type your passport number."), field="passport_number")
    if passport.passport_expiry <= window.last_day:
        raise InvalidInput(
            _("Your passport must be valid after the window's last day."), field="passport_expiry"
        )
    wrong = _differs_from_profile(passport, application.applicant)
    if wrong:
        raise InvalidInput(
            _(
                "These details differ from those of your application: %(fields)s. Type them "
                "exactly as in your passport (or correct your personal details first)."
            )
            % {"fields": ", ".join(_label(f) for f in wrong)},
            field=wrong[0],
        )
    secret = index_secret()
    pkey = passport_key(secret, nationality=passport.nationality, number=passport.passport_number)
    nkey = name_key(
        secret,
        surname=passport.surname,
        given_names=passport.given_names,
        date_of_birth=passport.date_of_birth,
    )
    with transaction.atomic():
        # The person's active appointments, locked, so that two requests cannot both pass.
        same = list(
            Appointment.objects.select_for_update()
            .filter(status__in=ACTIVE_STATUSES)
            .filter(Q(passport_index=pkey) | Q(name_index=nkey))
        )
        if any(a.user_id == actor.pk for a in same):
            raise InvalidState(
                _(
                    "You already have an active registration or appointment. One person can "
                    "hold one at a time across all missions: cancel it first."
                )
            )
        held = bool(same)
        appointment = Appointment.objects.create(
            entry_id=_new_entry_id(),
            window=window,
            application=application,
            user=actor,
            surname=fields["surname"],
            given_names=fields["given_names"],
            date_of_birth=passport.date_of_birth,
            nationality=passport.nationality.upper(),
            passport_number=normalise_passport_number(passport.passport_number),
            passport_expiry=passport.passport_expiry,
            passport_index=pkey,
            name_index=nkey,
            held=held,
        )
        audit_record(
            actor=actor,
            action="consular.interest_registered",
            obj=appointment,
            member_state=mission.member_state_id,
            data={"case": application.reference, "window": window.pk, "held": held},
        )
    return appointment


def _label(field: str) -> str:
    return {
        "surname": _("surname"),
        "given_names": _("given names"),
        "date_of_birth": _("date of birth"),
        "nationality": _("nationality"),
        "passport_number": _("passport number"),
        "passport_expiry": _("passport expiry date"),
    }[field]


# --- the draw -------------------------------------------------------------------------------


def draw_commit(*, actor: User | None, window: BookingWindow, now: datetime | None = None) -> Draw:
    """Fix the next draw's seed and publish its SHA-256 (the record's URL shows it)."""
    now = now or timezone.now()
    if actor is not None:
        _require_manager(actor, window.mission)
    if now < window.closes_at:
        raise InvalidState(_("Registration is still open: the draw is committed when it closes."))
    with transaction.atomic():
        BookingWindow.objects.select_for_update().get(pk=window.pk)
        if window.draws.filter(performed_at__isnull=True).exists():
            raise InvalidState(_("A draw of this window is already committed."))
        seed = core_draw.new_seed()
        draw = Draw.objects.create(
            window=window,
            number=window.draws.count() + 1,
            seed=seed.hex(),
            commitment=core_draw.commitment(seed),
            committed_at=now,
            draw_after=now + DRAW_DELAY,
        )
        audit_record(
            actor=actor,
            action="consular.draw_committed",
            obj=draw,
            member_state=window.mission.member_state_id,
            data={"window": window.pk, "number": draw.number, "commitment": draw.commitment},
        )
    return draw


def _lock_free_slots(candidates) -> list[Slot]:
    """The one allocation path of slots (the draw and a reservation both use it): lock the
    candidate slot rows, in code order, then drop, with a fresh read made after the lock, those
    an appointment holds or a reservation takes. Whoever locks a slot first gives it; the other
    one, once the lock is released, sees it taken."""
    locked = list(candidates.select_for_update(of=("self",)).order_by("code"))
    ids = [s.pk for s in locked]
    taken = set(
        Appointment.objects.filter(status__in=HOLDS_SLOT, slot_id__in=ids).values_list(
            "slot_id", flat=True
        )
    ) | set(
        SlotReservation.objects.filter(ended_at__isnull=True, slot_id__in=ids).values_list(
            "slot_id", flat=True
        )
    )
    return [s for s in locked if s.pk not in taken]


def _free_slots(window: BookingWindow, now: datetime) -> list[Slot]:
    mission = window.mission
    start = _mission_date(mission, window.first_day, time(0))
    end = _mission_date(mission, window.last_day + timedelta(days=1), time(0))
    return _lock_free_slots(
        Slot.objects.filter(
            mission=mission,
            withdrawn=False,
            starts_at__gte=max(start, now + timedelta(hours=1)),
            starts_at__lt=end,
        )
    )


def draw_context(draw: Draw, slots: list[Slot]) -> dict:
    window, mission = draw.window, draw.window.mission
    return {
        "mission": {
            "id": mission.pk,
            "member_state": mission.member_state_id,
            "kind": mission.kind,
            "city": mission.city,
            "time_zone": mission.time_zone,
        },
        "window": {
            "id": window.pk,
            "first_day": window.first_day.isoformat(),
            "last_day": window.last_day.isoformat(),
            "closes_at": window.closes_at.isoformat(),
        },
        "draw": draw.number,
        "committed_at": draw.committed_at.isoformat(),
        "slot_times": {s.code: mission.local(s.starts_at).isoformat() for s in slots},
    }


def draw_perform(*, actor: User | None, draw: Draw, now: datetime | None = None) -> Draw:
    """Perform a committed draw: the waiting entries (not held) against the free slots;
    winners are offered their slot until a claim deadline; the record is published."""
    now = now or timezone.now()
    window = draw.window
    if actor is not None:
        _require_manager(actor, window.mission)
    with transaction.atomic():
        draw = Draw.objects.select_for_update().get(pk=draw.pk)
        if draw.performed_at is not None:
            raise InvalidState(_("This draw has been performed already."))
        if now < draw.draw_after:
            raise InvalidState(
                _("The commitment must be public for a while first: try again after %(at)s.")
                % {"at": window.mission.local(draw.draw_after).strftime("%H:%M")}
            )
        entries = list(
            Appointment.objects.select_for_update().filter(
                window=window, status=AppointmentStatus.WAITING, held=False
            )
        )
        slots = _free_slots(window, now)
        seed = bytes.fromhex(draw.seed)
        context = draw_context(draw, slots)
        context["drawn_at"] = now.isoformat()
        record = core_draw.build_record(
            seed=seed,
            entries=[e.entry_id for e in entries],
            slots=[s.code for s in slots],
            context=context,
        )
        by_entry = {e.entry_id: e for e in entries}
        by_code = {s.code: s for s in slots}
        for item in record["assignments"]:
            appointment, slot = by_entry[item["entry"]], by_code[item["slot"]]
            appointment.status = AppointmentStatus.OFFERED
            appointment.slot = slot
            appointment.draw = draw
            appointment.claim_by = min(now + timedelta(hours=CLAIM_HOURS), slot.starts_at)
            appointment.save(update_fields=["status", "slot", "draw", "claim_by"])
            notify(appointment.user, "appointment_offered")
        draw.performed_at = now
        draw.performed_by = actor
        draw.record = record
        draw.save(update_fields=["performed_at", "performed_by", "record"])
        audit_record(
            actor=actor,
            action="consular.draw_performed",
            obj=draw,
            member_state=window.mission.member_state_id,
            data={
                "window": window.pk,
                "number": draw.number,
                "entries": len(entries),
                "slots": len(slots),
                "assigned": len(record["assignments"]),
            },
        )
    return draw


# --- reservations outside the draws (the humanitarian route) --------------------------------

#: A reserved slot starts at least this long after the reservation (as the draw's).
RESERVE_LEAD = timedelta(hours=1)
MAX_NAME = 200


def _new_reservation_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    code = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"R-{code[:5]}-{code[5:]}"


def slot_reserve(
    *, actor: User, slot: Slot, name: str, travellers: int = 1, now: datetime | None = None
) -> SlotReservation:
    """Set a free published slot aside for a person invited outside the draws (a humanitarian
    officer of the mission's member state). Locks the slot row (:func:`_lock_free_slots`): a
    slot that a draw gives or another reservation takes at the same moment is refused."""
    now = now or timezone.now()
    if not access.can_reserve_slot(actor, slot):
        raise NotAllowed(_("Only slots of your member state's missions can be reserved."))
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(_("Give the name to check at the mission's door."), field="name")
    if not 1 <= travellers <= MAX_PER_TIME:
        raise InvalidInput(_("Give the number of people coming."), field="travellers")
    with transaction.atomic():
        mission = slot.mission
        if not mission.active:
            raise InvalidState(_("This mission is closed: it takes no appointments."))
        free = _lock_free_slots(Slot.objects.filter(pk=slot.pk, withdrawn=False))
        if not free:
            raise InvalidState(_("This slot is no longer free: choose another one."), field="slot")
        slot = free[0]
        if slot.starts_at < now + RESERVE_LEAD:
            raise InvalidInput(
                _("This slot has passed or starts within the hour: choose a later one."),
                field="slot",
            )
        try:
            with transaction.atomic():
                reservation = SlotReservation.objects.create(
                    slot=slot,
                    reference=_new_reservation_reference(),
                    name=name,
                    travellers=travellers,
                    reserved_by=actor,
                    reserved_at=now,
                )
        except IntegrityError:  # the constraint behind the lock: one active reservation
            raise InvalidState(
                _("This slot is no longer free: choose another one."), field="slot"
            ) from None
        audit_record(
            actor=actor,
            action="consular.slot_reserved",
            obj=reservation,
            member_state=mission.member_state_id,
            data={"slot": slot.code, "mission": mission.pk, "reference": reservation.reference},
        )
    return reservation


def slot_reservation_end(
    *, actor: User | None, reservation: SlotReservation, now: datetime | None = None
) -> SlotReservation:
    """End a reservation (the invitation withdrawn, cancelled or decided; ``actor`` None for
    the retention task): the name is erased, and a slot still ahead is free again for the
    draws and other reservations. Ending an ended reservation changes nothing."""
    now = now or timezone.now()
    if actor is not None and not access.can_end_slot_reservation(actor, reservation):
        raise NotAllowed(_("Only slots of your member state's missions can be reserved."))
    with transaction.atomic():
        reservation = SlotReservation.objects.select_for_update().get(pk=reservation.pk)
        if reservation.ended_at is not None:
            return reservation
        reservation.ended_at, reservation.ended_by, reservation.name = now, actor, ""
        reservation.save(update_fields=["ended_at", "ended_by", "name"])
        slot = reservation.slot
        audit_record(
            actor=actor,
            action="consular.slot_reservation_ended",
            obj=reservation,
            member_state=slot.mission.member_state_id,
            data={
                "slot": slot.code,
                "reference": reservation.reference,
                "slot_returned": slot.starts_at > now,
            },
        )
    return reservation


# --- the applicant's steps --------------------------------------------------------------------


def _own(actor: User, appointment: Appointment) -> Appointment:
    if appointment.user_id != actor.pk or not access.is_applicant(actor):
        raise NotAllowed(_("This is not your appointment."))
    return Appointment.objects.select_for_update().get(pk=appointment.pk)


def _link_case(appointment: Appointment) -> None:
    CaseMission.objects.update_or_create(
        application=appointment.application,
        defaults={"mission": appointment.window.mission, "since": timezone.now()},
    )


def appointment_confirm(*, actor: User, appointment: Appointment) -> Appointment:
    """Book the slot won in a draw, before the claim deadline."""
    with transaction.atomic():
        appointment = _own(actor, appointment)
        if appointment.status != AppointmentStatus.OFFERED:
            raise InvalidState(_("There is no offered slot to confirm."))
        if timezone.now() > appointment.claim_by:
            raise InvalidState(_("The time to confirm this slot has passed."))
        appointment.status = AppointmentStatus.BOOKED
        appointment.booked_at = timezone.now()
        appointment.save(update_fields=["status", "booked_at"])
        _link_case(appointment)
        audit_record(
            actor=actor,
            action="consular.appointment_booked",
            obj=appointment,
            member_state=appointment.window.mission.member_state_id,
            data={"case": appointment.application.reference, "slot": appointment.slot.code},
        )
    return appointment


def appointment_cancel(*, actor: User, appointment: Appointment) -> Appointment:
    """Cancel a registration or appointment; its slot goes back into the next draw."""
    with transaction.atomic():
        appointment = _own(actor, appointment)
        if appointment.status not in ACTIVE_STATUSES:
            raise InvalidState(_("This appointment can no longer be cancelled."))
        slot = appointment.slot.code if appointment.slot_id else None
        appointment.status = AppointmentStatus.CANCELLED
        appointment.closed_at = timezone.now()
        appointment.closed_by = actor
        appointment.save(update_fields=["status", "closed_at", "closed_by"])
        audit_record(
            actor=actor,
            action="consular.appointment_cancelled",
            obj=appointment,
            member_state=appointment.window.mission.member_state_id,
            data={"case": appointment.application.reference, "slot": slot},
        )
    return appointment


def appointment_reschedule(*, actor: User, appointment: Appointment) -> Appointment:
    """Give an offered or booked slot back and wait for the window's next draw."""
    with transaction.atomic():
        appointment = _own(actor, appointment)
        if appointment.status not in (AppointmentStatus.OFFERED, AppointmentStatus.BOOKED):
            raise InvalidState(_("Only an offered or booked slot can be rescheduled."))
        mission = appointment.window.mission
        if appointment.window.last_day <= mission.today():
            raise InvalidState(
                _("This window has no days left: cancel and register for another window.")
            )
        old = appointment.slot.code
        appointment.status = AppointmentStatus.WAITING
        appointment.slot = None
        appointment.draw = None
        appointment.claim_by = None
        appointment.booked_at = None
        appointment.reminded_at = None
        appointment.save(
            update_fields=["status", "slot", "draw", "claim_by", "booked_at", "reminded_at"]
        )
        audit_record(
            actor=actor,
            action="consular.appointment_rescheduled",
            obj=appointment,
            member_state=mission.member_state_id,
            data={"case": appointment.application.reference, "slot_released": old},
        )
    return appointment


# --- at the mission ---------------------------------------------------------------------------


def appointment_no_show(*, actor: User, appointment: Appointment) -> Appointment:
    """An officer of the mission marks a booked person who did not come."""
    mission = appointment.window.mission
    _require_manager(actor, mission)
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.status != AppointmentStatus.BOOKED:
            raise InvalidState(_("Only a booked appointment can be marked as missed."))
        if timezone.now() < appointment.slot.starts_at:
            raise InvalidState(_("The appointment has not started yet."))
        appointment.status = AppointmentStatus.NO_SHOW
        appointment.closed_at = timezone.now()
        appointment.closed_by = actor
        appointment.save(update_fields=["status", "closed_at", "closed_by"])
        notify(appointment.user, "appointment_changed")
        audit_record(
            actor=actor,
            action="consular.appointment_no_show",
            obj=appointment,
            member_state=mission.member_state_id,
            data={"case": appointment.application.reference, "slot": appointment.slot.code},
        )
    return appointment


def appointment_release(*, actor: User, appointment: Appointment) -> Appointment:
    """An officer of the mission releases a held registration into the draws, once the person
    has shown the mission that it is theirs (e.g. with their passport); audited."""
    mission = appointment.window.mission
    _require_manager(actor, mission)
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if not appointment.held or appointment.status != AppointmentStatus.WAITING:
            raise InvalidState(_("Only a held registration waiting for a draw can be released."))
        appointment.held = False
        appointment.save(update_fields=["held"])
        audit_record(
            actor=actor,
            action="consular.registration_released",
            obj=appointment,
            member_state=mission.member_state_id,
            data={"case": appointment.application.reference},
        )
    return appointment


@dataclass(frozen=True, slots=True)
class CheckInResult:
    """``comparison`` field by field (surname, given names, date of birth, number, expiry)
    plus nationality and validity lines; ``checked_in`` when every field matched."""

    checked_in: bool
    comparison: IdentityComparison | None
    nationality_ok: bool
    expired: bool
    mrz_valid: bool
    appointment: Appointment

    @property
    def problems(self) -> list[str]:
        out = []
        if not self.mrz_valid:
            out.append(_("A check digit of the zone fails: read the passport again."))
        if self.comparison is not None:
            out += [f.message(_) for f in self.comparison.mismatches]
        if not self.nationality_ok:
            out.append(_("The nationality in the passport is not the one of the appointment."))
        if self.expired:
            out.append(_("The passport has expired."))
        return out


def _alpha3(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code.upper())
    return country.alpha_3 if country is not None else ""


def _read_zone(mrz: str, today: date) -> TD3:
    """The one way the door reads a passport's zone (appointments and reservations alike):
    the core's TD3 parser; unreadable lines are a clear error on the ``mrz`` field."""
    try:
        return parse_td3(mrz, today=today)
    except IdentityError as exc:
        raise InvalidInput(exc.message(_), field="mrz") from exc


def appointment_check_in(*, actor: User, appointment: Appointment, mrz: str) -> CheckInResult:
    """Check a booked person in at the door: the passport's zone (typed, pasted or from a
    reader) must name the person of the appointment, field by field. A refusal changes
    nothing but is audited (which fields differed, not their values)."""
    mission = appointment.window.mission
    _require_manager(actor, mission)
    today = mission.today()
    zone = _read_zone(mrz, today)
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("window__mission", "slot", "application__applicant")
            .get(pk=appointment.pk)
        )
        if appointment.status != AppointmentStatus.BOOKED:
            raise InvalidState(_("Only a booked appointment can be checked in."))
        if mission.local(appointment.slot.starts_at).date() != today:
            raise InvalidState(_("This appointment is not today."))
        comparison = compare_identity(
            zone,
            TypedIdentity(
                surname=appointment.surname,
                given_names=appointment.given_names,
                birth_date=appointment.date_of_birth,
                document_number=appointment.passport_number,
                expiry_date=appointment.passport_expiry,
                # The same person's Latin spelling as printed (checked equal at registration).
                surname_latin=appointment.application.applicant.surname_latin,
                given_names_latin=appointment.application.applicant.given_names_latin,
            ),
        )
        nationality_ok = zone.nationality == _alpha3(appointment.nationality)
        expired = zone.expiry_date < today
        ok = zone.valid and comparison.all_match and nationality_ok and not expired
        result = CheckInResult(ok, comparison, nationality_ok, expired, zone.valid, appointment)
        differing = [f.field for f in comparison.fields if f.outcome != "match"]
        if not nationality_ok:
            differing.append("nationality")
        if ok:
            appointment.status = AppointmentStatus.CHECKED_IN
            appointment.closed_at = timezone.now()
            appointment.closed_by = actor
            appointment.save(update_fields=["status", "closed_at", "closed_by"])
            _link_case(appointment)
        audit_record(
            actor=actor,
            action="consular.checked_in" if ok else "consular.check_in_refused",
            obj=appointment,
            member_state=mission.member_state_id,
            data={
                "case": appointment.application.reference,
                "slot": appointment.slot.code,
                "differing": differing,
                "check_digits": zone.valid,
                "expired": expired,
            },
        )
    return result


#: What a reservation stores of the person and therefore what the door can compare.
RESERVATION_NAME_FIELDS = ("surname", "given_names")


def _normalise_reference(value: str) -> str:
    return "".join((value or "").split()).upper()


def _reservation_typed(name: str) -> TypedIdentity:
    """The reservation's name as the humanitarian route writes it ("Surname, Given names")
    as typed data: the name only (no date of birth, number or expiry is stored)."""
    surname, _sep, given = name.partition(",")
    return TypedIdentity(surname=surname.strip(), given_names=given.strip())


def _name_line_ok(line: FieldComparison) -> bool:
    """A name line holds when it matches, or when neither the zone nor the reservation has
    that part (a person with no given names)."""
    if line.outcome == "match":
        return True
    return line.outcome == "not_compared" and not line.mrz.strip() and not line.typed


@dataclass(frozen=True, slots=True)
class ReservationCheckInResult:
    """The door's check of a reserved slot's person. The reservation stores only a name, so
    ``names`` are the surname and given-names lines of the same comparison as appointments';
    no date of birth, document number or nationality can be compared: the zone's check
    digits and the passport's validity (expiry) are checked instead."""

    checked_in: bool
    names: tuple[FieldComparison, ...]
    expired: bool
    mrz_valid: bool
    reservation: SlotReservation

    @property
    def differing(self) -> list[str]:
        return [line.field for line in self.names if not _name_line_ok(line)]

    @property
    def problems(self) -> list[str]:
        out = []
        if not self.mrz_valid:
            out.append(_("A check digit of the zone fails: read the passport again."))
        out += [line.message(_) for line in self.names if not _name_line_ok(line)]
        if self.expired:
            out.append(_("The passport has expired."))
        return out


def reservation_check_in(
    *, actor: User, reservation: SlotReservation, reference: str, mrz: str
) -> ReservationCheckInResult:
    """Check the person of a reserved slot in at the door: the reference typed from their
    invitation must be this reservation's, and the passport's zone (read by the same parser
    and compared by the same :func:`compare_identity` as appointments) must carry the
    reservation's name, hold every check digit and not have expired. A refusal changes
    nothing but is audited (field names, never values); a wrong reference, unreadable lines,
    an ended, already checked-in or other day's reservation are errors and write nothing."""
    mission = reservation.slot.mission
    if not access.can_check_in_reservation(actor, reservation):
        raise NotAllowed(_("Only the officers of this mission check people in at its door."))
    today = mission.today()
    typed_reference = _normalise_reference(reference)
    if not typed_reference:
        raise InvalidInput(
            _("Type the reference printed on the person's invitation."), field="reference"
        )
    zone = _read_zone(mrz, today)
    with transaction.atomic():
        reservation = (
            SlotReservation.objects.select_for_update(of=("self",))
            .select_related("slot__mission")
            .get(pk=reservation.pk)
        )
        # Compared with this reservation only: a wrong reference says nothing of others.
        if not secrets.compare_digest(
            typed_reference.encode(), _normalise_reference(reservation.reference).encode()
        ):
            raise InvalidInput(
                _(
                    "This is not the reference of this reservation: check the invitation "
                    "and type it again."
                ),
                field="reference",
            )
        if reservation.ended_at is not None:
            raise InvalidState(
                _("This reservation has ended: the person cannot be checked in with it.")
            )
        if reservation.checked_in_at is not None:
            raise InvalidState(
                _("This person was already checked in at %(time)s.")
                % {"time": mission.local(reservation.checked_in_at).strftime("%H:%M")}
            )
        if mission.local(reservation.slot.starts_at).date() != today:
            raise InvalidState(_("This reservation is not for today."))
        comparison = compare_identity(zone, _reservation_typed(reservation.name))
        names = tuple(f for f in comparison.fields if f.field in RESERVATION_NAME_FIELDS)
        expired = zone.expiry_date < today
        result = ReservationCheckInResult(False, names, expired, zone.valid, reservation)
        ok = zone.valid and not result.differing and not expired
        if ok:
            reservation.checked_in_at, reservation.checked_in_by = timezone.now(), actor
            reservation.save(update_fields=["checked_in_at", "checked_in_by"])
            result = ReservationCheckInResult(True, names, expired, zone.valid, reservation)
        audit_record(
            actor=actor,
            action="consular.reservation_checked_in"
            if ok
            else "consular.reservation_check_in_refused",
            obj=reservation,
            member_state=mission.member_state_id,
            data={
                "reference": reservation.reference,
                "slot": reservation.slot.code,
                "differing": result.differing,
                "check_digits": zone.valid,
                "expired": expired,
            },
        )
    return result


# --- the worker ---------------------------------------------------------------------------------


def appointments_lapse(*, now: datetime | None = None) -> int:
    """Offered slots not confirmed in time lapse (the slots go into the next draw)."""
    now = now or timezone.now()
    lapsed = 0
    with transaction.atomic():
        for appointment in Appointment.objects.select_for_update().filter(
            status=AppointmentStatus.OFFERED, claim_by__lt=now
        ):
            appointment.status = AppointmentStatus.LAPSED
            appointment.closed_at = now
            appointment.save(update_fields=["status", "closed_at"])
            notify(appointment.user, "appointment_changed")
            audit_record(
                actor=None,
                action="consular.appointment_lapsed",
                obj=appointment,
                member_state=appointment.window.mission.member_state_id,
                data={"slot": appointment.slot.code},
            )
            lapsed += 1
    return lapsed


def reminders_send(*, now: datetime | None = None) -> int:
    """E-mail each booked person the day before (the mission's local day); once each."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        for appointment in (
            Appointment.objects.select_for_update(of=("self",))
            .filter(
                status=AppointmentStatus.BOOKED,
                reminded_at__isnull=True,
                slot__starts_at__gt=now,
                slot__starts_at__lt=now + timedelta(days=2),
            )
            .select_related("slot", "window__mission", "user")
        ):
            mission = appointment.window.mission
            if mission.local(appointment.slot.starts_at).date() != mission.local(
                now
            ).date() + timedelta(days=1):
                continue
            appointment.reminded_at = now
            appointment.save(update_fields=["reminded_at"])
            notify(appointment.user, "appointment_reminder")
            audit_record(
                actor=None,
                action="consular.reminder_sent",
                obj=appointment,
                member_state=mission.member_state_id,
            )
            sent += 1
    return sent


#: Days after an appointment closed (seen, missed, cancelled, lapsed) that the person's names,
#: passport number and keys are kept, for questions about the visit; then they are erased.
RETENTION_DAYS = 90


def appointments_erase_expired(*, now: datetime | None = None) -> int:
    """Erase the personal data of appointments closed more than :data:`RETENTION_DAYS` ago
    (the record of the visit stays: status, times, case, slot)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Appointment.objects.select_for_update()
            .filter(
                erased_at__isnull=True,
                closed_at__lt=now - timedelta(days=RETENTION_DAYS),
            )
            .exclude(status__in=ACTIVE_STATUSES)
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        for appointment in Appointment.objects.filter(pk__in=ids):
            appointment.surname = ""
            appointment.given_names = ""
            appointment.passport_number = ""
            appointment.passport_index = ""
            appointment.name_index = ""
            appointment.erased_at = now
            appointment.save(
                update_fields=[
                    "surname", "given_names", "passport_number", "passport_index",
                    "name_index", "erased_at",
                ]
            )  # fmt: skip
        audit_record(
            actor=None,
            action="consular.appointments_erased",
            object_type="consular.appointment",
            object_id="",
            data={"appointments": len(ids), "retention_days": RETENTION_DAYS},
        )
    return len(ids)


def consular_tick(*, now: datetime | None = None) -> dict[str, int]:
    """The worker's round: lapse unclaimed offers, commit the first draw of each closed window
    and a next draw where slots came free for people still waiting, perform committed draws
    whose time has come, send tomorrow's reminders, erase what retention says must go."""
    now = now or timezone.now()
    counts = {"lapsed": appointments_lapse(now=now), "committed": 0, "performed": 0}
    for draw in Draw.objects.filter(performed_at__isnull=True, draw_after__lte=now):
        draw_perform(actor=None, draw=draw, now=now)
        counts["performed"] += 1
    windows = BookingWindow.objects.filter(
        closes_at__lte=now, last_day__gte=now.date() - timedelta(days=1)
    ).select_related("mission")
    for window in windows:
        if window.draws.filter(performed_at__isnull=True).exists():
            continue
        first = not window.draws.exists()
        waiting = window.entries.filter(status=AppointmentStatus.WAITING, held=False).exists()
        if first or (waiting and _free_slots(window, now)):
            draw_commit(actor=None, window=window, now=now)
            counts["committed"] += 1
    counts["reminded"] = reminders_send(now=now)
    counts["erased"] = appointments_erase_expired(now=now)
    return counts


# --- walk-ins -------------------------------------------------------------------------------


def embassy_case_open_at_mission(*, actor: User, email: str, profile: dict) -> Application:
    """A walk-in case (``cases.walkins``) recorded at the officer's mission."""
    with transaction.atomic():
        application = walkins.embassy_case_open(actor=actor, email=email, profile=profile)
        mission = access.officer_mission(actor)
        if mission is not None:
            CaseMission.objects.create(application=application, mission=mission)
            audit_record(
                actor=actor,
                action="consular.case_at_mission",
                obj=application,
                member_state=application.member_state_id,
                data={"case": application.reference, "mission": mission.pk},
            )
    return application


# --- missions (programme staff; the admin site does the same, audited) -------------------------


def mission_create(
    *,
    actor: User | None,
    member_state: str,
    kind: str,
    city: str,
    address: str,
    time_zone: str = "Europe/Moscow",
    opening_weekdays: str = "1,2,3,4,5",
    active: bool = True,
) -> Mission:
    """Add a mission (programme admins; ``actor=None`` for the demo's seed)."""
    if actor is not None and not access.sees_all_member_states(actor):
        raise NotAllowed(_("Only programme staff add missions."))
    mission = Mission(
        member_state_id=member_state,
        kind=kind,
        city=city,
        address=address,
        time_zone=time_zone,
        opening_weekdays=opening_weekdays,
        active=active,
    )
    try:
        mission.full_clean()
    except ValidationError as exc:
        field, problems = next(iter(exc.message_dict.items()))
        raise InvalidInput(problems[0], field=field) from exc
    with transaction.atomic():
        mission.save()
        audit_record(
            actor=actor,
            action="consular.mission_added",
            obj=mission,
            member_state=member_state,
            data={"kind": kind, "city": city},
        )
    return mission


#: The fields of a mission that programme staff edit (its member state and kind stay).
MISSION_EDITABLE = ("city", "address", "time_zone", "opening_weekdays", "active")


def mission_update(*, actor: User, mission: Mission, **values) -> Mission:
    """Change a mission's city, address, time zone, opening days or whether it is active
    (programme staff). Checked as a whole before anything is written; audited with the names
    of the fields that changed."""
    if not access.can_edit_missions(actor):
        raise NotAllowed(_("Only programme staff edit missions."))
    unknown = set(values) - set(MISSION_EDITABLE)
    if unknown:
        raise InvalidInput(_("These details of a mission cannot be changed here."))
    with transaction.atomic():
        mission = Mission.objects.select_for_update().get(pk=mission.pk)
        changed = sorted(name for name, value in values.items() if getattr(mission, name) != value)
        for name in changed:
            setattr(mission, name, values[name])
        try:
            mission.full_clean()
        except ValidationError as exc:
            field, problems = next(iter(exc.message_dict.items()))
            raise InvalidInput(problems[0], field=field) from exc
        if changed:
            mission.save(update_fields=changed)
            audit_record(
                actor=actor,
                action="consular.mission_changed",
                obj=mission,
                member_state=mission.member_state_id,
                data={"fields": changed},
            )
    return mission


def mission_officer_assign(*, actor: User | None, user: User, mission: Mission) -> MissionOfficer:
    """Make ``user`` (a consular officer of the mission's member state) an officer of it: the
    demo's and the tests' set-up (``actor=None``) and programme staff. It never moves an
    officer silently: one already at another mission is refused, as on the console
    (:func:`mission_officer_add`), and is moved with :func:`mission_officer_move`. Already
    an officer of this mission: nothing changes."""
    if actor is not None and not access.sees_all_member_states(actor):
        raise NotAllowed(_("Only programme staff assign officers to missions."))
    post = MissionOfficer(user=user, mission=mission)
    try:
        post.full_clean(validate_unique=False)  # the role and the member state first
    except ValidationError as exc:
        field, problems = next(iter(exc.message_dict.items()))
        raise InvalidInput(problems[0], field=field) from exc
    current = MissionOfficer.objects.select_related("mission").filter(user=user).first()
    if current is not None and current.mission_id == mission.pk:
        return current
    if current is not None:
        raise InvalidInput(
            _("Account #%(id)s is already an officer of %(mission)s: move them from there.")
            % {"id": user.pk, "mission": current.mission},
            field="account",
        )
    with transaction.atomic():
        post.save()
        audit_record(
            actor=actor,
            action="consular.officer_assigned",
            obj=post,
            member_state=mission.member_state_id,
            data={"user": user.pk, "mission": mission.pk},
        )
    return post


# --- a mission's officers, on the console (programme admins) ----------------------------------
#
# One programme admin suffices: attaching an officer to a mission opens to them the online cases
# checked in at that mission, but the role that grants consular access at all (a consular
# officer of a member state) is itself given by one programme admin, audited (accounts:
# ``staff_user_create`` and the admin site); only second-factor resets take four eyes there.
# A mission only narrows an officer's reach within their member state, so the same one-person,
# audited rule applies here.


def _staff_account(account_id) -> User:
    try:
        pk = int(str(account_id).strip())
    except ValueError:
        pk = None
    user = User.objects.filter(pk=pk).first() if pk is not None and pk > 0 else None
    if user is None:
        raise InvalidInput(
            _("Choose a staff account: there is no account with this id."), field="account"
        )
    return user


def _post_clean(post: MissionOfficer) -> None:
    try:
        post.full_clean()
    except ValidationError as exc:
        problems = exc.message_dict
        message = next(iter(problems.values()))[0]
        raise InvalidInput(message, field="account") from exc


def mission_officer_add(*, actor: User, mission: Mission, account_id) -> MissionOfficer:
    """Attach an existing staff account to ``mission``: an active consular officer of the
    mission's member state who has no mission yet. Audited ``consular.officer_added``."""
    if not access.can_edit_missions(actor):
        raise NotAllowed(_("Only programme staff assign officers to missions."))
    with transaction.atomic():
        mission = Mission.objects.select_for_update().get(pk=mission.pk)
        user = _staff_account(account_id)
        if not user.is_active or user.role != "consular_officer":
            raise InvalidInput(
                _(
                    "Account #%(id)s is not an active consular officer: only consular officers "
                    "belong to a mission."
                )
                % {"id": user.pk},
                field="account",
            )
        if user.member_state_id != mission.member_state_id:
            raise InvalidInput(
                _(
                    "Account #%(id)s is a consular officer of %(state)s; this mission is of "
                    "%(mission_state)s."
                )
                % {
                    "id": user.pk,
                    "state": user.member_state_id or "-",
                    "mission_state": mission.member_state_id,
                },
                field="account",
            )
        current = MissionOfficer.objects.select_related("mission").filter(user=user).first()
        if current is not None:
            raise InvalidInput(
                _("Account #%(id)s is already an officer of %(mission)s: move them from there.")
                % {"id": user.pk, "mission": current.mission},
                field="account",
            )
        post = MissionOfficer(user=user, mission=mission)
        _post_clean(post)
        try:
            with transaction.atomic():
                post.save()
        except IntegrityError as exc:
            raise InvalidState(
                _("Account #%(id)s was just given a mission by someone else.") % {"id": user.pk}
            ) from exc
        audit_record(
            actor=actor,
            action="consular.officer_added",
            obj=post,
            member_state=mission.member_state_id,
            data={"user": user.pk, "mission": mission.pk},
        )
    return post


def mission_officer_remove(*, actor: User, post: MissionOfficer) -> None:
    """Detach an officer from their mission (the account and its role stay). Audited
    ``consular.officer_removed``."""
    if not access.can_edit_missions(actor):
        raise NotAllowed(_("Only programme staff assign officers to missions."))
    with transaction.atomic():
        found = MissionOfficer.objects.select_for_update().filter(pk=post.pk).first()
        if found is None:
            raise InvalidState(_("This officer was already removed from the mission."))
        user_id, mission_id, pk = found.user_id, found.mission_id, found.pk
        member_state = found.mission.member_state_id
        found.delete()
        audit_record(
            actor=actor,
            action="consular.officer_removed",
            object_type="consular.missionofficer",
            object_id=pk,
            member_state=member_state,
            data={"user": user_id, "mission": mission_id},
        )


def mission_officer_move(*, actor: User, post: MissionOfficer, mission: Mission) -> MissionOfficer:
    """Move an officer to another mission of the same member state. Audited
    ``consular.officer_moved`` with both missions."""
    if not access.can_edit_missions(actor):
        raise NotAllowed(_("Only programme staff assign officers to missions."))
    with transaction.atomic():
        found = (
            MissionOfficer.objects.select_for_update()
            .select_related("user", "mission")
            .filter(pk=post.pk)
            .first()
        )
        if found is None:
            raise InvalidState(_("This officer was removed from the mission meanwhile."))
        if found.mission_id == mission.pk:
            raise InvalidInput(
                _("The officer is already at %(mission)s: choose another mission.")
                % {"mission": mission},
                field="mission",
            )
        before = found.mission_id
        found.mission = mission
        try:
            found.full_clean()
        except ValidationError as exc:
            message = next(iter(exc.message_dict.values()))[0]
            raise InvalidInput(message, field="mission") from exc
        found.save(update_fields=["mission"])
        audit_record(
            actor=actor,
            action="consular.officer_moved",
            obj=found,
            member_state=mission.member_state_id,
            data={"user": found.user_id, "mission": mission.pk, "from_mission": before},
        )
    return found
