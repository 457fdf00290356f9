"""Reads of what was recorded at the mission: one case's panel, its history, a receipt."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from relocard.cases.models import Application
from relocard.enrolment.models import (
    BiometricEnrolment,
    CardProduction,
    EntryVisa,
    FeePayment,
    HolderPhoto,
    ProductionState,
    ProductionTransition,
)

__all__ = [
    "MISSION_RELATIONS",
    "NO_MISSION_RECORD",
    "MissionEvent",
    "MissionRecord",
    "any_mission_record",
    "current_photo",
    "mission_history",
    "mission_record",
]


@dataclass(frozen=True, slots=True)
class MissionRecord:
    """What the mission recorded on a case's current card year."""

    biometrics: BiometricEnrolment | None
    fee: FeePayment | None
    visa: EntryVisa | None
    production: CardProduction | None
    photo: HolderPhoto | None

    @property
    def handed_over(self) -> bool:
        return self.production is not None and self.production.state == ProductionState.HANDED_OVER


@dataclass(frozen=True, slots=True)
class MissionEvent:
    """One line of the case's history at the mission."""

    at: datetime
    what: str
    actor: str
    detail: str


def current_photo(application: Application) -> HolderPhoto | None:
    return HolderPhoto.objects.filter(application=application, superseded_at__isnull=True).first()


def mission_record(application: Application) -> MissionRecord:
    cycle = {"application": application, "cycle": application.cycle}
    return MissionRecord(
        biometrics=BiometricEnrolment.objects.select_related("officer").filter(**cycle).first(),
        fee=FeePayment.objects.select_related("officer").filter(**cycle).first(),
        visa=EntryVisa.objects.select_related("officer").filter(**cycle).first(),
        production=CardProduction.objects.select_related("card", "handed_over_by")
        .filter(**cycle)
        .first(),
        photo=current_photo(application),
    )


#: The record of a case nothing was recorded on at a mission (what :func:`mission_record`
#: reads when none of :data:`MISSION_RELATIONS` holds a row).
NO_MISSION_RECORD = MissionRecord(biometrics=None, fee=None, visa=None, production=None, photo=None)

#: The case's relations :func:`mission_history` and :func:`mission_record` read (a
#: production's transitions hang off its production).
MISSION_RELATIONS = (
    "biometric_enrolments",
    "fee_payments",
    "entry_visas",
    "card_productions",
    "photos",
)


def any_mission_record(has: Mapping[str, bool]) -> bool:
    """Whether anything was recorded on the case at a mission, from the answer of
    ``common.related.present`` for (at least) :data:`MISSION_RELATIONS`: if not, the history
    is empty and the record is :data:`NO_MISSION_RECORD`, without reading them."""
    return any(has[name] for name in MISSION_RELATIONS)


def mission_history(application: Application) -> list[MissionEvent]:
    """Every step recorded at the mission on the case, oldest first (all card years), its
    amounts and dates written as the reader's language writes them."""
    events: list[MissionEvent] = []
    for b in BiometricEnrolment.objects.filter(application=application).select_related("officer"):
        events.append(
            MissionEvent(b.recorded_at, _("Biometrics enrolled"), b.officer.email, b.place)
        )
    for f in FeePayment.objects.filter(application=application).select_related("officer"):
        events.append(
            MissionEvent(
                f.paid_at,
                _("Fee paid"),
                f.officer.email,
                f"{f.currency} {number_format(f.amount, 2, force_grouping=True)} "
                f"({f.get_method_display()}), {f.receipt_number}",
            )
        )
    for v in EntryVisa.objects.filter(application=application).select_related("officer"):
        events.append(
            MissionEvent(
                v.issued_at,
                _("D visa issued"),
                v.officer.email,
                f"{v.number}, {date_format(v.valid_from, 'SHORT_DATE_FORMAT')} – "
                f"{date_format(v.valid_until, 'SHORT_DATE_FORMAT')}",
            )
        )
    transitions = ProductionTransition.objects.filter(
        production__application=application
    ).select_related("actor")
    for t in transitions:
        events.append(MissionEvent(t.at, t.get_to_state_display(), t.actor.email, ""))
    for p in HolderPhoto.objects.filter(application=application).select_related("uploaded_by"):
        events.append(MissionEvent(p.uploaded_at, _("Photo added"), p.uploaded_by.email, ""))
    return sorted(events, key=lambda e: e.at)


def fee_receipt(application: Application, cycle: int | None = None) -> FeePayment | None:
    return (
        FeePayment.objects.select_related("officer", "application__member_state")
        .filter(application=application, cycle=cycle or application.cycle)
        .first()
    )
