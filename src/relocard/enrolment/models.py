"""At the mission: what a consular officer records on a case when the applicant comes in.

Every row belongs to a case (:class:`relocard.cases.models.Application`) and its card year
(``cycle``), and names the officer and the time. Biometric data themselves are never here: the
member state's national system keeps them; the programme keeps only that they were enrolled,
with which device, where and by whom.

Production of the physical card is a small state machine (:mod:`relocard.core.mission`) with a
history row per move (:class:`ProductionTransition`), like the case's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relocard.cases.models import evidence_storage


class BiometricEnrolment(models.Model):
    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, related_name="biometric_enrolments"
    )
    cycle = models.PositiveSmallIntegerField(default=1)
    #: The enrolment station's reference in the national system (no biometric data).
    device_reference = models.CharField(_("device reference"), max_length=64)
    #: Where: the mission's name until missions are data of their own.
    place = models.CharField(_("mission or place"), max_length=120)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "cycle"], name="one_biometric_enrolment_per_cycle"
            )
        ]

    def __str__(self) -> str:
        # Never a name: __str__ ends up in logs and admin change messages.
        return f"Biometrics enrolment #{self.pk}"


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Payment card")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")


class FeePayment(models.Model):
    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, related_name="fee_payments"
    )
    cycle = models.PositiveSmallIntegerField(default=1)
    amount = models.DecimalField(_("amount"), max_digits=8, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    method = models.CharField(_("payment method"), max_length=16, choices=PaymentMethod.choices)
    #: Printed on the applicant's receipt; random, so that receipts cannot be guessed.
    receipt_number = models.CharField(_("receipt number"), max_length=32, unique=True)
    #: The policy parameter the amount was due under (value, source, detail), as at payment.
    basis = models.JSONField(default=dict)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(_("paid"))

    class Meta:
        ordering = ["paid_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "cycle"], name="one_fee_per_cycle"),
            models.CheckConstraint(name="fee_amount_positive", condition=models.Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        # Never a name: __str__ ends up in logs and admin change messages.
        return self.receipt_number


class VisaEntries(models.TextChoices):
    SINGLE = "single", _("Single entry")
    MULTIPLE = "multiple", _("Multiple entries")


class EntryVisa(models.Model):
    """A long-stay (D) entry visa for an approved applicant who is in Russia."""

    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, related_name="entry_visas"
    )
    cycle = models.PositiveSmallIntegerField(default=1)
    number = models.CharField(_("visa number"), max_length=12, unique=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    entries = models.CharField(_("entries"), max_length=8, choices=VisaEntries.choices)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued"))

    class Meta:
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "cycle"], name="one_entry_visa_per_cycle"
            ),
            models.CheckConstraint(
                name="entry_visa_ends_after_start",
                condition=models.Q(valid_until__gt=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        # Never a name: __str__ ends up in logs and admin change messages.
        return f"D visa #{self.pk}"


class ProductionState(models.TextChoices):
    ORDERED = "ordered", _("Production ordered")
    READY = "ready_for_collection", _("Ready for collection at the mission")
    HANDED_OVER = "handed_over", _("Handed over")


class CardProduction(models.Model):
    """The physical card of a case's card year: ordered, ready at the mission, handed over."""

    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, related_name="card_productions"
    )
    cycle = models.PositiveSmallIntegerField(default=1)
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="productions")
    state = models.CharField(max_length=24, choices=ProductionState.choices)
    #: Where the card is collected: the mission's name until missions are data of their own.
    collection_place = models.CharField(_("collection at"), max_length=120)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ordered_at = models.DateTimeField()
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)
    #: Bumped by every move: forms carry it, so a stale form cannot act twice.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "cycle"], name="one_card_production_per_cycle"
            ),
            models.CheckConstraint(
                name="handed_over_has_officer_and_time",
                condition=~models.Q(state="handed_over")
                | models.Q(handed_over_by__isnull=False, handed_over_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        # Never a name: __str__ ends up in logs and admin change messages.
        return f"Card production #{self.pk} ({self.state})"


class ProductionTransition(models.Model):
    production = models.ForeignKey(
        CardProduction, on_delete=models.PROTECT, related_name="transitions"
    )
    from_state = models.CharField(max_length=24, choices=ProductionState.choices, blank=True)
    to_state = models.CharField(max_length=24, choices=ProductionState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    #: For the hand-over: the identity check, field by field (outcomes, never the values).
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        # Never a name: __str__ ends up in logs and admin change messages.
        return f"{self.from_state or '-'} -> {self.to_state}"


class HolderPhoto(models.Model):
    """A passport-style photo of the applicant for the card, stored encrypted like evidence.

    A new upload supersedes the previous one (kept on record, marked superseded); the card and
    the share-code checks show the current one.
    """

    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, related_name="photos"
    )
    file = models.FileField(storage=evidence_storage, upload_to="photos/%Y/%m/", max_length=200)
    content_type = models.CharField(max_length=32)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(superseded_at__isnull=True),
                name="one_current_photo_per_case",
            )
        ]

    def __str__(self) -> str:
        # Never a name: __str__ ends up in logs and admin change messages.
        return f"Photo #{self.pk}"
