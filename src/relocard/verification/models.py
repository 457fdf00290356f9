"""Checking a card: verifier organisations, share codes, API keys and the record of every check.

* A :class:`VerifierOrganisation` (a bank, an employer, a letting agent, or a private landlord
  as an individual) registers; programme staff approve it; only approved organisations check.
  People belong to it through a :class:`VerifierMembership`.
* A :class:`ShareCode` is made by a holder for one purpose and one card. Only a keyed hash of
  the code is stored (HMAC-SHA256 with a key derived from ``SECRET_KEY``), so a copy of the
  database does not reveal any code; the code is shown to the holder once.
* An :class:`ApiKey` lets an organisation's own systems call the API; stored hashed, shown once.
* A :class:`CardCheck` records every check, successful or not: organisation, person (or API
  key), purpose, the stated reason, time and result. The holder sees those made with their
  codes or of their cards; anyone with its check id can confirm that it happened.

Nothing here stores the holder's name or date of birth a second time: a check points to the
card, and the result's card facts (member state, valid until) are kept as they were then.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Purpose(models.TextChoices):
    WORK = "work", _("Right to work")
    RENT = "rent", _("Right to rent")
    BANK = "bank", _("Right to open a bank account")


#: Each purpose as it reads inside a sentence ("the holder has the right to work"): its own
#: string, because lower-casing a label is wrong in German (nouns keep their capital) and
#: other languages inflect it.
PURPOSE_IN_SENTENCE = {
    Purpose.WORK: pgettext_lazy("purpose inside a sentence", "right to work"),
    Purpose.RENT: pgettext_lazy("purpose inside a sentence", "right to rent"),
    Purpose.BANK: pgettext_lazy("purpose inside a sentence", "right to open a bank account"),
}


def purpose_in_sentence(purpose: str) -> str:
    return str(PURPOSE_IN_SENTENCE[Purpose(purpose)])


class VerifierKind(models.TextChoices):
    BANK = "bank", _("Bank")
    EMPLOYER = "employer", _("Employer")
    LETTING_AGENT = "letting_agent", _("Letting agent")
    PRIVATE_LANDLORD = "private_landlord", _("Private landlord (an individual)")


#: The purposes each kind of organisation may check: purpose limitation, so that a landlord
#: cannot use a code that the holder made for their employer.
KIND_PURPOSES: dict[str, tuple[str, ...]] = {
    VerifierKind.BANK: (Purpose.BANK,),
    VerifierKind.EMPLOYER: (Purpose.WORK,),
    VerifierKind.LETTING_AGENT: (Purpose.RENT,),
    VerifierKind.PRIVATE_LANDLORD: (Purpose.RENT,),
}


class OrganisationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", pgettext_lazy("organisation", "Approved")
    SUSPENDED = "suspended", _("Suspended")


class VerifierOrganisation(models.Model):
    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=24, choices=VerifierKind.choices)
    country = models.ForeignKey(
        "reference.MemberState",
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        related_name="verifier_organisations",
    )
    registration_number = models.CharField(
        _("registration number"),
        max_length=64,
        blank=True,
        help_text=_("The company or trade register number; none for a private landlord."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OrganisationStatus.choices,
        default=OrganisationStatus.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    decided_at = models.DateTimeField(_("approved or suspended"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("verifier organisation")
        verbose_name_plural = _("verifier organisations")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def purposes(self) -> tuple[str, ...]:
        return KIND_PURPOSES[self.kind]

    @property
    def is_approved(self) -> bool:
        return self.status == OrganisationStatus.APPROVED


class VerifierMembership(models.Model):
    """A person who checks cards for an organisation; ``is_manager`` adds colleagues and keys."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="verifier_membership"
    )
    organisation = models.ForeignKey(
        VerifierOrganisation, on_delete=models.PROTECT, related_name="memberships"
    )
    is_manager = models.BooleanField(_("manages the organisation"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("verifier membership")
        verbose_name_plural = _("verifier memberships")

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation}"


class ShareCode(models.Model):
    holder = models.ForeignKey(
        "accounts.Applicant", on_delete=models.PROTECT, related_name="share_codes"
    )
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="share_codes")
    purpose = models.CharField(_("purpose"), max_length=8, choices=Purpose.choices)

    #: HMAC-SHA256 of the code (hex) under a key derived from SECRET_KEY: looked up by an index.
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    #: Consecutive checks with a wrong date of birth; the code locks at the configured limit.
    failures = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)

    class Meta:
        verbose_name = _("share code")
        verbose_name_plural = _("share codes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["holder", "created_at"])]
        constraints = [
            models.CheckConstraint(
                name="share_code_expires_after_creation",
                condition=models.Q(expires_at__gt=models.F("created_at")),
            )
        ]

    def __str__(self) -> str:
        # Never the code (only its hash is known) and never the holder's name.
        return f"Share code #{self.pk} ({self.purpose})"

    @property
    def purpose_in_sentence(self) -> str:
        return purpose_in_sentence(self.purpose)

    def state_at(self, now) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.locked_at is not None:
            return "locked"
        if now >= self.expires_at:
            return "expired"
        return "active"


class ApiKey(models.Model):
    organisation = models.ForeignKey(
        VerifierOrganisation, on_delete=models.PROTECT, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=80)
    #: The first characters of the key, shown in lists so that people can tell keys apart.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class CheckMethod(models.TextChoices):
    SHARE_CODE = "share_code", _("Share code")
    QR = "qr", _("QR code")


class CheckResult(models.TextChoices):
    #: Share code and date of birth matched, and the card is valid today.
    VALID = "valid", _("Valid")
    #: Matched (or the QR's signature holds), but the card is not valid: revoked, suspended,
    #: expired, or not yet valid.
    NOT_VALID = "not_valid", _("Not valid")
    #: The share code and the date of birth do not match a usable code (one answer for all).
    NO_MATCH = "no_match", _("Details did not match")
    #: A QR code in the card's format that is not a genuine card: damaged or tampered layers,
    #: an unknown issuer, a bad signature (a forgery, or a card damaged beyond reading).
    NOT_GENUINE = "not_genuine", _("Not a genuine card")
    #: Text or a QR code that is not a relocatee card's at all ("hello world", a web address,
    #: another scheme's code): a wrong code scanned, not a forgery.
    NOT_RELOCARD = "not_relocard", _("Not a relocatee-card QR code")
    #: A genuine card, otherwise valid, whose revocation could not be checked (its status
    #: list could not be fetched, was not verified, has expired or does not cover the card).
    #: Never to be taken as valid: fail closed.
    STATUS_UNKNOWN = "status_unknown", _("Status unknown")


class CardCheck(models.Model):
    check_id = models.CharField(_("check id"), max_length=24, unique=True)
    organisation = models.ForeignKey(
        VerifierOrganisation, on_delete=models.PROTECT, related_name="checks"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.PROTECT, null=True, blank=True, related_name="checks"
    )
    method = models.CharField(_("method"), max_length=16, choices=CheckMethod.choices)
    purpose = models.CharField(_("purpose"), max_length=8, choices=Purpose.choices)
    reason = models.CharField(_("stated reason"), max_length=200)
    share_code = models.ForeignKey(
        ShareCode, on_delete=models.PROTECT, null=True, blank=True, related_name="checks"
    )
    card = models.ForeignKey(
        "cards.Card", on_delete=models.PROTECT, null=True, blank=True, related_name="checks"
    )
    result = models.CharField(_("result"), max_length=16, choices=CheckResult.choices)
    #: The verifier's verdict for QR checks (valid, revoked, bad_signature, ...).
    detail = models.CharField(max_length=24, blank=True)
    #: The card's facts as they were at the check (empty when nothing matched).
    member_state = models.CharField(max_length=2, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    checked_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("card check")
        verbose_name_plural = _("card checks")
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["organisation", "checked_at"])]
        constraints = [
            models.CheckConstraint(
                name="check_by_a_person_or_a_key",
                condition=models.Q(checked_by__isnull=False) | models.Q(api_key__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.check_id

    @property
    def matched(self) -> bool:
        return self.result in (CheckResult.VALID, CheckResult.NOT_VALID, CheckResult.STATUS_UNKNOWN)
