"""The consular channel: missions, their officers, published slots, booking windows, the
draws that allocate the slots, and the appointments (interest, booking, visit).

An :class:`Appointment` is one person's place in one booking window, from the interest they
register to the visit::

    waiting -> offered -> booked -> checked_in
       ^          |          |  \\-> no_show
       |          v          v
       |       lapsed    cancelled        (waiting and offered can be cancelled too)
       \\------ (reschedule: booked or offered -> waiting, back into the next draw)

It names the person with their passport data (the number encrypted, the keyed person index
beside it): one active appointment per person across all missions, and the officer's check-in
at the door compares the passport with it, so that a slot cannot be sold.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from relocard.common.encrypted_fields import EncryptedTextField


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Not an IANA time zone, e.g. Europe/Moscow."))


def validate_weekdays(value: str) -> None:
    days = [d for d in value.split(",") if d]
    if not days or any(d not in "1234567" or len(d) != 1 for d in days):
        raise ValidationError(_("Give the opening days as ISO weekday numbers, e.g. 1,2,3,4,5."))
    if len(set(days)) != len(days):
        raise ValidationError(_("A weekday is given twice."))


class MissionKind(models.TextChoices):
    EMBASSY = "embassy", _("Embassy")
    CONSULATE = "consulate", _("Consulate")


class Mission(models.Model):
    """An embassy or consulate of a member state, where applicants are seen."""

    member_state = models.ForeignKey(
        "reference.MemberState", on_delete=models.PROTECT, related_name="missions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MissionKind.choices)
    city = models.CharField(_("city"), max_length=80)
    address = models.CharField(_("address"), max_length=200)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_time_zone]
    )
    #: ISO weekdays (1 = Monday) on which the mission receives applicants, e.g. "1,2,3,4,5".
    opening_weekdays = models.CharField(
        _("opening days"),
        max_length=20,
        default="1,2,3,4,5",
        validators=[validate_weekdays],
        help_text=_("ISO weekday numbers, 1 for Monday: e.g. 1,2,3,4,5"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        ordering = ["member_state_id", "city", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member_state", "kind", "city"], name="one_mission_per_kind_and_city"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id} {self.get_kind_display()} {self.city}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.opening_weekdays.split(",") if d)

    def today(self) -> date:
        return timezone.now().astimezone(self.zone).date()

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)


class MissionOfficer(models.Model):
    """A consular officer's mission (one each); it must be of the officer's member state."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mission_post"
    )
    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="officers")

    class Meta:
        verbose_name = _("mission officer")
        verbose_name_plural = _("mission officers")

    def __str__(self) -> str:
        return f"Officer #{self.user_id} at mission #{self.mission_id}"

    def clean(self) -> None:
        if self.user_id is None or self.mission_id is None:
            return  # the form reports the missing field
        user, mission = self.user, self.mission
        if user.role != "consular_officer":
            raise ValidationError({"user": _("Only a consular officer belongs to a mission.")})
        if user.member_state_id != mission.member_state_id:
            raise ValidationError(
                {"mission": _("A consular officer's mission is of their own member state.")}
            )


class Slot(models.Model):
    """One appointment at a mission: a start time and room for one person."""

    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="slots")
    #: Public, sortable id: the local start and a sequence number, e.g. 20261210T0900-01.
    code = models.CharField(max_length=32)
    starts_at = models.DateTimeField(_("starts at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    withdrawn = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts_at", "code"]
        constraints = [
            models.UniqueConstraint(fields=["mission", "code"], name="one_slot_code_per_mission")
        ]
        indexes = [models.Index(fields=["mission", "starts_at"])]

    def __str__(self) -> str:
        return f"Slot {self.code} at mission #{self.mission_id}"


class SlotReservation(models.Model):
    """A published slot set aside for a person another service of the member state invites
    (the humanitarian route), outside the draws. The mission learns only what it needs at the
    door: that the slot is reserved, a reference and the name to check; never why.

    Active while ``ended_at`` is empty: then no draw gives the slot and no other reservation
    takes it (one allocation path, the slot row locked: ``services.slot_reserve``). Ending it
    erases the name; a slot still ahead is free again. The check-in at the door records
    when and by whom (never undone)."""

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="reservations")
    #: Random reference shown to the person and at the door; shares nothing with other ids.
    reference = models.CharField(max_length=16, unique=True, editable=False)
    #: The name to check at the door (erased when the reservation ends).
    name = models.CharField(max_length=200, blank=True)
    travellers = models.PositiveSmallIntegerField(default=1)
    reserved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reserved_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: The check-in at the door (``services.reservation_check_in``): once, when the passport's
    #: zone named the person of the reservation.
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["slot__starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"],
                condition=models.Q(ended_at__isnull=True),
                name="one_active_reservation_per_slot",
            )
        ]

    def __str__(self) -> str:
        return f"Reservation {self.reference}"  # never the name

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class BookingWindow(models.Model):
    """Days of a mission for which applicants register interest until ``closes_at``; the
    window's slots are then drawn among them (and drawn again for unclaimed slots)."""

    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="windows")
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    closes_at = models.DateTimeField(_("registration closes"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["first_day", "id"]
        constraints = [
            models.CheckConstraint(
                name="window_days_in_order", condition=models.Q(first_day__lte=models.F("last_day"))
            )
        ]

    def __str__(self) -> str:
        return f"Window #{self.pk} ({self.first_day}..{self.last_day})"

    @property
    def is_open(self) -> bool:
        return timezone.now() < self.closes_at


class Draw(models.Model):
    """One draw of a window: committed (the seed's SHA-256 published), then performed (the
    seed revealed with the record). Draw 1 follows the close of registration; later draws
    allocate slots that came free (unclaimed, cancelled) among those still waiting."""

    window = models.ForeignKey(BookingWindow, on_delete=models.PROTECT, related_name="draws")
    number = models.PositiveSmallIntegerField()
    #: Secret until the draw is performed (hex); never shown before.
    seed = models.CharField(max_length=64)
    commitment = models.CharField(max_length=64)
    committed_at = models.DateTimeField()
    #: Not before this instant (so that the commitment is public for a while first).
    draw_after = models.DateTimeField()
    performed_at = models.DateTimeField(null=True, blank=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: The public record (docs/consular.md), set when performed.
    record = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["window_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["window", "number"], name="one_draw_number_per_window"),
            models.UniqueConstraint(
                fields=["window"],
                condition=models.Q(performed_at__isnull=True),
                name="one_pending_draw_per_window",
            ),
        ]

    def __str__(self) -> str:
        return f"Draw {self.number} of window #{self.window_id}"


class AppointmentStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for a draw")
    OFFERED = "offered", _("Slot offered: confirm it")
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Seen at the mission")
    NO_SHOW = "no_show", _("Did not come")
    # In context: the word agrees with "appointment" in the languages that inflect it.
    CANCELLED = "cancelled", pgettext_lazy("appointment status", "Cancelled")
    LAPSED = "lapsed", _("Not confirmed in time")


ACTIVE_STATUSES = (AppointmentStatus.WAITING, AppointmentStatus.OFFERED, AppointmentStatus.BOOKED)
#: Statuses that hold a slot.
HOLDS_SLOT = (
    AppointmentStatus.OFFERED,
    AppointmentStatus.BOOKED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.NO_SHOW,
)


class Appointment(models.Model):
    """One person's interest in a window, and the slot they win and book (see the module)."""

    #: Pseudonymous id in the public draw records (random; the applicant sees their own).
    entry_id = models.CharField(max_length=24, unique=True, editable=False)
    window = models.ForeignKey(BookingWindow, on_delete=models.PROTECT, related_name="entries")
    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, related_name="appointments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    status = models.CharField(
        max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.WAITING
    )
    # The person, as typed from their own passport.
    surname = models.CharField(_("surname"), max_length=80)
    given_names = models.CharField(_("given names"), max_length=120)
    date_of_birth = models.DateField(_("date of birth"))
    nationality = models.CharField(_("nationality"), max_length=2)
    passport_number = EncryptedTextField(
        _("passport number"), purpose="consular.appointment.passport_number", plain_max_length=20
    )
    passport_expiry = models.DateField(_("passport expiry date"))
    passport_index = models.CharField(max_length=64, db_index=True, editable=False)
    name_index = models.CharField(max_length=64, db_index=True, editable=False)
    #: Held: the same person has an active appointment from another account. Not drawn
    #: until officers resolve it; the person is not told (no oracle).
    held = models.BooleanField(default=False)
    registered_at = models.DateTimeField(default=timezone.now)
    slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    draw = models.ForeignKey(
        Draw, on_delete=models.PROTECT, null=True, blank=True, related_name="winners"
    )
    claim_by = models.DateTimeField(null=True, blank=True)
    booked_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: When the names, passport number and person keys were erased (retention: see
    #: ``services.appointments_erase_expired``).
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["registered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"],
                condition=models.Q(status__in=["offered", "booked", "checked_in", "no_show"]),
                name="one_appointment_per_slot",
            ),
            models.CheckConstraint(
                name="slot_when_holding",
                condition=~models.Q(status__in=["offered", "booked", "checked_in", "no_show"])
                | models.Q(slot__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        # Never the name: __str__ ends up in logs.
        return f"Appointment {self.entry_id}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class CaseMission(models.Model):
    """The mission where a case's applicant booked or was seen (a walk-in: the officer's)."""

    application = models.OneToOneField(
        "cases.Application", on_delete=models.CASCADE, related_name="mission_link"
    )
    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="cases")
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mission of a case")
        verbose_name_plural = _("missions of cases")

    def __str__(self) -> str:
        return f"Case #{self.application_id} at mission #{self.mission_id}"
