"""Decision letters: one row per decision that needs a letter, its sealed PDF in storage."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LetterKind(models.TextChoices):
    APPROVAL = "approval", _("Approval")
    REFUSAL = "refusal", _("Refusal")
    RENEWAL_REFUSAL = "renewal_refusal", _("Refusal of renewal")
    SUSPENSION = "suspension", _("Suspension of the card")
    REVOCATION = "revocation", _("Revocation of the card")
    APPEAL_DECISION = "appeal_decision", _("Decision on an appeal")


class LetterStatus(models.TextChoices):
    #: Recorded with the decision; the worker renders and seals it right after commit.
    PENDING = "pending", _("Being prepared")
    ISSUED = "issued", _("Issued")


class DecisionLetter(models.Model):
    """The formal letter of one decision: a sealed PDF/A in the member state's language with
    a Russian translation. The row is written in the decision's transaction; the file follows
    (``relocard.letters.tasks``), retried until it exists."""

    #: Random, 100 bits (:func:`relocard.letters.references.new_reference`): not guessable.
    reference = models.CharField(_("letter reference"), max_length=32, unique=True)
    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, related_name="letters"
    )
    member_state = models.ForeignKey(
        "reference.MemberState", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=LetterKind.choices)
    #: The authentic language (the member state's official language); Russian follows.
    language = models.CharField(_("language"), max_length=8)
    decision = models.OneToOneField(
        "cases.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="letter"
    )
    appeal = models.OneToOneField(
        "cases.Appeal", on_delete=models.PROTECT, null=True, blank=True, related_name="letter"
    )
    card_change = models.OneToOneField(
        "cards.CardStatusChange",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letter",
    )
    status = models.CharField(
        max_length=16, choices=LetterStatus.choices, default=LetterStatus.PENDING
    )
    #: The storage name of the sealed PDF (encrypted at rest, like evidence).
    file = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("date"))
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="letter_has_one_subject",
                condition=(
                    models.Q(decision__isnull=False, appeal__isnull=True, card_change__isnull=True)
                    | models.Q(
                        decision__isnull=True, appeal__isnull=False, card_change__isnull=True
                    )
                    | models.Q(
                        decision__isnull=True, appeal__isnull=True, card_change__isnull=False
                    )
                ),
            ),
            models.CheckConstraint(
                name="issued_letter_has_file",
                condition=~models.Q(status="issued")
                | (~models.Q(file="") & ~models.Q(sha256="") & models.Q(issued_at__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return self.reference
