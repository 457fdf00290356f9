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

    def __str__(self) -> str:
        return self.number
