"""At the mission: every write a consular officer (or, for the photo, the applicant) makes.

Each service checks access first (:mod:`relocard.common.access`), validates every value before
it writes, locks the case (:func:`relocard.cases.steps.case_lock`) and writes its rows and its
audit event in one transaction. What is recorded:

- :func:`biometrics_record`: that biometrics were enrolled (device reference, place, officer,
  time). The biometric data stay in the member state's national system; none reach Relocard.
- :func:`fee_record`: the fee paid (the amount due is the member state's policy parameter
  ``fee.enrolment_amount``), the method and a generated receipt number.
- :func:`entry_visa_record`: the long-stay (D) visa of an approved applicant who is in Russia.
- :func:`production_order`, :func:`production_ready`, :func:`production_hand_over`: the
  physical card's production, each move a :class:`ProductionTransition`; the hand-over only
  after the passport's machine-readable zone matches the case's verified identity.
- :func:`photo_upload`: the holder's passport-style photo, checked and stored encrypted.

Errors: :class:`~relocard.common.errors.NotAllowed`, ``InvalidState``, ``InvalidInput`` and
:class:`HandOverRefused` (an ``InvalidInput`` that carries the field-by-field comparison).
Nothing is written when one is raised.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relocard.accounts.models import Applicant, User
from relocard.audit.services import audit_record
from relocard.cards.models import Card, CardStatus
from relocard.cases.models import Application, CaseState
from relocard.cases.steps import case_lock, local_today
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed, StaleObject
from relocard.common.notifications import notify
from relocard.core import mission
from relocard.core import rules as rules_core
from relocard.core.identity import (
    IdentityComparison,
    MRZFormatError,
    TypedIdentity,
    compare_identity,
    parse_td3,
)
from relocard.core.identity.photo import check_photo
from relocard.enrolment.messages import mission_message, photo_problem_message
from relocard.enrolment.models import (
    BiometricEnrolment,
    CardProduction,
    EntryVisa,
    FeePayment,
    HolderPhoto,
    PaymentMethod,
    ProductionState,
    ProductionTransition,
)

__all__ = [
    "FeeDue",
    "HandOverRefused",
    "biometrics_record",
    "entry_visa_record",
    "fee_due",
    "fee_record",
    "photo_upload",
    "production_hand_over",
    "production_order",
    "production_ready",
]

_FIELD_MAX = {"device_reference": 64, "place": 120}


class HandOverRefused(InvalidInput):
    """The passport does not match the case's identity: ``comparison`` says where."""

    def __init__(self, message, *, comparison: IdentityComparison | None, field="mrz") -> None:
        super().__init__(message, field=field)
        self.comparison = comparison


def _require_officer(actor: User, application: Application) -> None:
    if not access.can_record_at_mission(actor, application):
        raise NotAllowed(
            _(
                "Only a consular officer of the mission where this case was checked in (for a "
                "case opened at a mission, of its member state) can record this at the mission."
            )
        )


def _require_open(app: Application) -> None:
    if not app.is_open:
        raise InvalidState(
            _("This case is closed (“%(state)s”): nothing more is recorded at the mission.")
            % {"state": CaseState(app.state).label}
        )


def _require_approved(app: Application, what: str) -> None:
    if app.state != CaseState.APPROVED:
        raise InvalidState(
            _("%(what)s only once the application is approved; it is “%(state)s”.")
            % {"what": what, "state": CaseState(app.state).label}
        )


def _text(value: str, field: str, label: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise InvalidInput(_("Enter the %(label)s.") % {"label": label}, field=field)
    if len(value) > _FIELD_MAX[field]:
        raise InvalidInput(
            _("The %(label)s can have at most %(n)s characters.")
            % {"label": label, "n": _FIELD_MAX[field]},
            field=field,
        )
    return value


# --- biometrics ------------------------------------------------------------------------------


def biometrics_record(
    *, actor: User, application: Application, device_reference: str, place: str
) -> BiometricEnrolment:
    """Record that biometrics were enrolled in the national system (no biometric data here)."""
    _require_officer(actor, application)
    device_reference = _text(device_reference, "device_reference", _("device reference"))
    place = _text(place, "place", _("mission or place"))
    with transaction.atomic():
        app = case_lock(application)
        _require_open(app)
        if BiometricEnrolment.objects.filter(application=app, cycle=app.cycle).exists():
            raise InvalidState(_("Biometrics enrolment is already recorded for this card year."))
        row = BiometricEnrolment.objects.create(
            application=app,
            cycle=app.cycle,
            device_reference=device_reference,
            place=place,
            officer=actor,
            recorded_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="mission.biometrics_recorded",
            obj=row,
            member_state=app.member_state_id,
            data={"case": app.reference, "cycle": app.cycle, "device": device_reference},
        )
    return row


# --- the fee ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeeDue:
    """The fee in force in a member state on a day, and where its value comes from."""

    amount: Decimal
    currency: str
    source: str
    title: str
    detail: str

    def basis(self) -> dict:
        return {
            "parameter": "fee.enrolment_amount",
            "amount": f"{self.amount:.2f}",
            "currency": self.currency,
            "source": self.source,
            "title": self.title,
            "detail": self.detail,
        }


def fee_due(member_state_code: str, *, on: date) -> FeeDue:
    parameter = rules_core.load_policy(member_state_code, on=on).parameters["fee.enrolment_amount"]
    reference = parameter.reference
    return FeeDue(
        amount=Decimal(parameter.value).quantize(Decimal("0.01")),
        currency="EUR",
        source=reference.source.id if reference else "",
        title=reference.source.title if reference else "",
        detail=(reference.detail or "") if reference else "",
    )


def fee_record(*, actor: User, application: Application, amount: str, method: str) -> FeePayment:
    """Record the fee paid at the mission: the amount typed must be the fee due."""
    _require_officer(actor, application)
    if method not in PaymentMethod.values:
        raise InvalidInput(_("Choose how the fee was paid."), field="method")
    due = fee_due(application.member_state_id, on=local_today(application.member_state))
    try:
        paid = mission.parse_fee_amount(amount, due=due.amount)
    except mission.MissionError as exc:
        raise InvalidInput(mission_message(exc.code, exc.params), field="amount") from exc
    with transaction.atomic():
        app = case_lock(application)
        _require_open(app)
        if FeePayment.objects.filter(application=app, cycle=app.cycle).exists():
            raise InvalidState(_("The fee is already recorded for this card year."))
        now = timezone.now()
        number = mission.receipt_number(app.member_state_id, local_today(app.member_state).year)
        row = FeePayment.objects.create(
            application=app,
            cycle=app.cycle,
            amount=paid,
            currency=due.currency,
            method=method,
            receipt_number=number,
            basis=due.basis(),
            officer=actor,
            paid_at=now,
        )
        audit_record(
            actor=actor,
            action="mission.fee_recorded",
            obj=row,
            member_state=app.member_state_id,
            data={
                "case": app.reference,
                "cycle": app.cycle,
                "amount": f"{paid:.2f}",
                "currency": due.currency,
                "method": method,
                "receipt": number,
            },
        )
    return row


# --- the long-stay (D) entry visa ------------------------------------------------------------


def entry_visa_record(
    *,
    actor: User,
    application: Application,
    number: str,
    valid_from: date | None,
    valid_until: date | None,
    entries: str,
    in_russia: bool,
) -> EntryVisa:
    """Record the D visa of an approved applicant who is in Russia (every value checked)."""
    _require_officer(actor, application)
    if not in_russia:
        raise InvalidInput(
            _(
                "A D visa is recorded here only for an applicant who is in Russia and needs it "
                "to enter: confirm that the applicant is."
            ),
            field="in_russia",
        )
    problems = mission.check_visa(
        member_state=application.member_state_id,
        number=number,
        valid_from=valid_from,
        valid_until=valid_until,
        entries=entries,
        today=local_today(application.member_state),
    )
    if problems:
        first = problems[0]
        raise InvalidInput(mission_message(first.code, first.params), field=first.field)
    number = mission.normalise_visa_number(number)
    with transaction.atomic():
        app = case_lock(application)
        _require_approved(app, _("A D visa is recorded"))
        if EntryVisa.objects.filter(application=app, cycle=app.cycle).exists():
            raise InvalidState(_("A D visa is already recorded for this card year."))
        try:
            with transaction.atomic():
                row = EntryVisa.objects.create(
                    application=app,
                    cycle=app.cycle,
                    number=number,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    entries=entries,
                    officer=actor,
                    issued_at=timezone.now(),
                )
        except IntegrityError as exc:
            raise InvalidInput(
                _("This visa number is already recorded. Check the number on the visa sticker."),
                field="number",
            ) from exc
        audit_record(
            actor=actor,
            action="mission.entry_visa_recorded",
            obj=row,
            member_state=app.member_state_id,
            data={
                "case": app.reference,
                "cycle": app.cycle,
                "number": number,
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat(),
                "entries": entries,
            },
        )
    return row


# --- the card's production and hand-over -----------------------------------------------------


def _move(
    production: CardProduction, action: str, *, actor: User, detail: dict | None = None
) -> None:
    """Apply one production move: state, version, history row and audit event."""
    old = production.state
    try:
        new = mission.next_production_state(old, action)
    except mission.MissionError as exc:
        raise InvalidState(
            _("This is not possible while the card is “%(state)s”.")
            % {"state": ProductionState(old).label}
        ) from exc
    production.state = new
    production.version += 1
    fields = ["state", "version"]
    if new == ProductionState.HANDED_OVER:
        production.handed_over_by = actor
        production.handed_over_at = timezone.now()
        fields += ["handed_over_by", "handed_over_at"]
    production.save(update_fields=fields)
    ProductionTransition.objects.create(
        production=production,
        from_state=old,
        to_state=new,
        actor=actor,
        at=timezone.now(),
        detail=detail or {},
    )
    audit_record(
        actor=actor,
        action=f"mission.card_{action}",
        obj=production,
        member_state=production.application.member_state_id,
        data={
            "case": production.application.reference,
            "card": production.card.number,
            "from": old,
            "to": new,
            **(detail or {}),
        },
    )


def _lock_production(production: CardProduction, version: int | None) -> CardProduction:
    locked = (
        CardProduction.objects.select_for_update(of=("self",))
        .select_related("application", "card")
        .get(pk=production.pk)
    )
    if version is not None and locked.version != version:
        raise StaleObject(
            _(
                "This card's production was changed by someone else since you opened the page. "
                "Nothing was saved: read its current state below and act again if still needed."
            )
        )
    return locked


def production_order(*, actor: User, application: Application, place: str) -> CardProduction:
    """Order the physical card of an approved case, once biometrics and the fee are recorded
    and the holder's photo is on file."""
    _require_officer(actor, application)
    place = _text(place, "place", _("mission or place"))
    with transaction.atomic():
        app = case_lock(application)
        _require_approved(app, _("The card is ordered"))
        card = (
            Card.objects.filter(application=app, cycle=app.cycle, status=CardStatus.ACTIVE)
            .order_by("-issued_at")
            .first()
        )
        if card is None:
            raise InvalidState(_("This case has no card in force to produce."))
        missing = []
        if not BiometricEnrolment.objects.filter(application=app, cycle=app.cycle).exists():
            missing.append(_("biometrics enrolment"))
        if not FeePayment.objects.filter(application=app, cycle=app.cycle).exists():
            missing.append(_("the fee"))
        if not HolderPhoto.objects.filter(application=app, superseded_at__isnull=True).exists():
            missing.append(_("the holder's photo"))
        if missing:
            raise InvalidState(
                _("Record %(missing)s before ordering the card.") % {"missing": ", ".join(missing)}
            )
        if CardProduction.objects.filter(application=app, cycle=app.cycle).exists():
            raise InvalidState(_("The card of this card year is already ordered."))
        production = CardProduction(
            application=app,
            cycle=app.cycle,
            card=card,
            state="",
            collection_place=place,
            ordered_by=actor,
            ordered_at=timezone.now(),
            version=0,
        )
        production.state = mission.next_production_state("", "order")
        production.version = 1
        production.save()
        ProductionTransition.objects.create(
            production=production,
            from_state="",
            to_state=production.state,
            actor=actor,
            at=production.ordered_at,
        )
        audit_record(
            actor=actor,
            action="mission.card_order",
            obj=production,
            member_state=app.member_state_id,
            data={"case": app.reference, "card": card.number, "from": "", "to": production.state},
        )
    return production


def production_ready(*, actor: User, production: CardProduction, version: int) -> CardProduction:
    """The card arrived at the mission: ready for collection; the applicant is told (in safe
    mode, only that there is a new message)."""
    _require_officer(actor, production.application)
    with transaction.atomic():
        app = case_lock(production.application)
        production = _lock_production(production, version)
        _move(production, "ready", actor=actor)
        notify(app.applicant.user, "card_ready", app.reference)
    return production


def _typed_identity(applicant: Applicant) -> TypedIdentity:
    """The case's verified identity (frozen since submission; changed only by a reviewed
    request), as the comparison reads it."""
    return TypedIdentity(
        surname=applicant.surname_cyrillic,
        given_names=applicant.given_names_cyrillic,
        birth_date=applicant.date_of_birth,
        document_number=applicant.passport_number,
        expiry_date=applicant.passport_expiry,
        surname_latin=applicant.surname_latin,
        given_names_latin=applicant.given_names_latin,
    )


def handover_comparison(
    application: Application, mrz: str
) -> tuple[IdentityComparison | None, list[str]]:
    """Read the passport's zone and compare it with the case's identity: the comparison (None
    when the zone could not be read) and the problems that refuse the hand-over."""
    today = local_today(application.member_state)
    try:
        td3 = parse_td3(mrz, today=today)
    except MRZFormatError as exc:
        return None, [exc.message(_)]
    problems = []
    if not td3.valid:
        failed = [name for name, ok in td3.checks.to_dict().items() if not ok]
        problems.append(
            _(
                "A check digit of the machine-readable zone does not hold (%(fields)s): read "
                "the passport again."
            )
            % {"fields": ", ".join(failed)}
        )
    comparison = compare_identity(td3, _typed_identity(application.applicant))
    if not comparison.all_match:
        problems.append(
            _(
                "The passport does not match the identity on this case: see the fields below. "
                "The card is not handed over."
            )
        )
    if td3.expiry_date < today:
        problems.append(_("This passport has expired: the card is not handed over on it."))
    return comparison, problems


def production_hand_over(
    *, actor: User, production: CardProduction, version: int, mrz: str
) -> CardProduction:
    """Hand the card over after the passport's zone matched the case's identity, field by
    field; a refused attempt is audited (which fields failed, never their values)."""
    _require_officer(actor, production.application)
    application = production.application
    comparison, problems = handover_comparison(application, mrz)
    if problems:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="mission.card_hand_over_refused",
                obj=production,
                member_state=application.member_state_id,
                data={
                    "case": application.reference,
                    "mismatched": []
                    if comparison is None
                    else [f.field for f in comparison.fields if f.outcome != "match"],
                    "readable": comparison is not None,
                },
            )
        raise HandOverRefused(" ".join(problems), comparison=comparison)
    detail = {"identity_check": {f.field: f.outcome for f in comparison.fields}}
    with transaction.atomic():
        case_lock(application)
        production = _lock_production(production, version)
        _move(production, "hand_over", actor=actor, detail=detail)
    return production


# --- the holder's photo ----------------------------------------------------------------------


def photo_upload(*, actor: User, application: Application, upload) -> HolderPhoto:
    """Check and store the holder's passport-style photo (encrypted at rest); a previous one
    is kept on record, marked superseded."""
    if not access.can_upload_photo(actor, application):
        raise NotAllowed(_("You cannot add a photo to this case."))
    if upload is None:
        raise InvalidInput(_("Choose a photo to upload."), field="photo")
    upload.seek(0)
    content = upload.read(10 * 1024 * 1024 + 1)
    result = check_photo(content)
    if not result.acceptable:
        raise InvalidInput(
            " ".join(photo_problem_message(p) for p in result.problems), field="photo"
        )
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png"}[result.format]
    extension = {"JPEG": "jpg", "PNG": "png"}[result.format]
    digest = hashlib.sha256(content).hexdigest()
    photo = HolderPhoto(
        content_type=content_type,
        sha256=digest,
        width=result.width,
        height=result.height,
        uploaded_by=actor,
    )
    # A random file name: the original name may contain the person's name.
    photo.file.save(f"{secrets.token_hex(16)}.{extension}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            app = case_lock(application)
            _require_open(app)
            now = timezone.now()
            HolderPhoto.objects.filter(application=app, superseded_at__isnull=True).update(
                superseded_at=now
            )
            photo.application = app
            photo.uploaded_at = now
            photo.save()
            audit_record(
                actor=actor,
                action="mission.photo_uploaded",
                obj=photo,
                member_state=app.member_state_id,
                data={"case": app.reference, "sha256": digest, "size": len(content)},
            )
    except BaseException:
        photo.file.delete(save=False)  # nothing half-written: no file without its record
        raise
    return photo


def photo_viewed(*, actor: User, photo: HolderPhoto, check_id: str = "") -> None:
    """Audit one view of a holder's photo (by staff, the holder, or a verifier's check)."""
    with transaction.atomic():
        _photo_view_record(actor, photo, check_id)


def _photo_view_record(actor: User, photo: HolderPhoto, check_id: str) -> None:
    audit_record(
        actor=actor,
        action="mission.photo_viewed",
        obj=photo,
        member_state=photo.application.member_state_id,
        data={"case": photo.application.reference, **({"check": check_id} if check_id else {})},
    )
