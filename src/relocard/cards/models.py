"""The relocatee card, created when a case is approved.

A card number cannot be guessed (75 random bits) and carries a check character (Luhn mod 32
over Crockford's base-32 alphabet, see :mod:`relocard.core.cardnumber`). Signed credentials
(the QR, the wallet credential) are attached by :mod:`relocard.cards.credentials`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class ValidityLimit(models.TextChoices):
    """What sets a card's last valid day: the earlier of the card year's end and the passport's
    expiry (see :func:`relocard.core.calendar.validity_limit`)."""

    CARD_YEAR = "card_year", _("the end of the card year")
    PASSPORT = "passport", _("the expiry of the passport")


class Card(models.Model):
    number = models.CharField(_("card number"), max_length=32, unique=True)
    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, related_name="cards"
    )
    applicant = models.ForeignKey(
        "accounts.Applicant", on_delete=models.PROTECT, related_name="cards"
    )
    member_state = models.ForeignKey(
        "reference.MemberState", on_delete=models.PROTECT, related_name="cards"
    )
    cycle = models.PositiveSmallIntegerField(default=1)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    valid_until_reason = models.CharField(
        _("valid until, set by"),
        max_length=16,
        choices=ValidityLimit.choices,
        default=ValidityLimit.CARD_YEAR,
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CardStatus.choices,
        default=CardStatus.ACTIVE,
        db_index=True,
    )
    #: Position of this card in its member state's status list (revocation and suspension).
    status_list_index = models.PositiveIntegerField()
    issued_at = models.DateTimeField(_("issued"))
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        constraints = [
            models.UniqueConstraint(
                fields=["member_state", "status_list_index"], name="unique_status_list_slot"
            ),
            models.CheckConstraint(
                name="card_valid_range", condition=models.Q(valid_until__gt=models.F("valid_from"))
            ),
        ]
        indexes = [models.Index(fields=["member_state", "status_changed_at"])]

    def __str__(self) -> str:
        return self.number


class CredentialFormat(models.TextChoices):
    RC1 = "rc1", _("Printed QR (RC1)")
    SD_JWT_VC = "sd_jwt_vc", _("Wallet credential (SD-JWT VC)")


class CardCredential(models.Model):
    """A signed credential of a card: the QR payload printed on it, or the wallet credential.

    Kept so that the printed card and the downloads stay the same until the card changes
    (signatures are randomised, so signing again would give other bytes).
    """

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="credentials")
    format = models.CharField(max_length=16, choices=CredentialFormat.choices)
    kind = models.CharField(max_length=16, default="card")
    kid = models.CharField(max_length=32)
    payload = models.TextField()
    issued_at = models.DateTimeField()
    #: An interim certificate ("valid while the renewal is processed") has its own slot in
    #: the status list, so that it can be withdrawn at the decision without touching the card.
    status_list_index = models.PositiveIntegerField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["card", "format", "kind"]),
            # The status lists' version (the latest withdrawal) and their interim entries are
            # read on every check and every list: a few rows each, found without reading
            # every card's credentials.
            models.Index(
                fields=["withdrawn_at"],
                condition=models.Q(withdrawn_at__isnull=False),
                name="credential_withdrawn",
            ),
            models.Index(
                fields=["card"], condition=models.Q(kind="interim"), name="credential_interim"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.format} for {self.card}"


class CardAction(models.TextChoices):
    SUSPEND = "suspend", _("Suspend")
    REVOKE = "revoke", _("Revoke")
    REINSTATE = "reinstate", _("Reinstate")


class CardStatusChange(models.Model):
    """A proposed change of a card's status; a second person (a supervisor) confirms it."""

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="status_changes")
    action = models.CharField(max_length=16, choices=CardAction.choices)
    reason = models.TextField()
    status = models.CharField(
        max_length=16,
        choices=[
            ("proposed", _("Awaiting confirmation")),
            ("confirmed", _("Confirmed")),
            ("returned", _("Returned")),
        ],
        default="proposed",
    )
    proposed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["proposed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["card"],
                condition=models.Q(status="proposed"),
                name="one_pending_status_change_per_card",
            ),
            models.CheckConstraint(
                name="four_eyes_on_card_status",
                condition=~models.Q(status="confirmed")
                | (
                    models.Q(confirmed_by__isnull=False)
                    & ~models.Q(confirmed_by=models.F("proposed_by"))
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.card} ({self.status})"


class StatusSlot(models.Model):
    """A used index of a member state's status list (cards and interim certificates)."""

    member_state = models.ForeignKey(
        "reference.MemberState", on_delete=models.PROTECT, related_name="+"
    )
    index = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member_state", "index"], name="unique_status_slot")
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id}#{self.index}"


class ComplianceStatus(models.TextChoices):
    OK = "ok", _("On track")
    AT_RISK = "at_risk", _("At risk")
    FAILING = "failing", _("Failing a criterion")


#: Severity order, to tell when a holder's status worsens.
COMPLIANCE_RANK = {ComplianceStatus.OK: 0, ComplianceStatus.AT_RISK: 1, ComplianceStatus.FAILING: 2}


class CardCompliance(models.Model):
    """The nightly compliance run's verdict on an active card (one row per card)."""

    card = models.OneToOneField(
        Card, on_delete=models.CASCADE, primary_key=True, related_name="compliance"
    )
    status = models.CharField(max_length=16, choices=ComplianceStatus.choices, db_index=True)
    presence_status = models.CharField(max_length=16)
    present_min = models.PositiveIntegerField()
    present_max = models.PositiveIntegerField()
    budget_left_min = models.IntegerField()
    outcome = models.CharField(max_length=16)
    #: Criteria not met or unknown, comma-separated ids (e.g. "employment,residence").
    not_met = models.CharField(max_length=200, blank=True)
    unknown = models.CharField(max_length=200, blank=True)
    evidence_expires_on = models.DateField(null=True, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("card compliance")

    def __str__(self) -> str:
        return f"{self.card_id}: {self.status}"


class ComplianceRun(models.Model):
    """One compliance run: of every member state (``member_state`` blank), or of one (the
    nightly run is one task per member state, done once per date)."""

    member_state = models.CharField(max_length=2, blank=True, default="")
    #: The date the run judged the cards for (null for runs recorded before it was kept).
    run_on = models.DateField(null=True, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    cards = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    worsened = models.PositiveIntegerField(default=0)
    expired = models.PositiveIntegerField(default=0)
    reminders = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member_state", "run_on"],
                condition=~models.Q(member_state=""),
                name="one_compliance_run_per_member_state_and_date",
            )
        ]

    def __str__(self) -> str:
        of = f" of {self.member_state}" if self.member_state else ""
        return f"compliance run{of} {self.started_at:%Y-%m-%d %H:%M}"


class RenewalReminder(models.Model):
    """A reminder sent to renew (when the window opens, then at 60 and 30 days): at most once each."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["card", "days_before"], name="one_reminder_per_milestone"
            )
        ]

    def __str__(self) -> str:
        return f"{self.card_id} -{self.days_before}d"
