"""Trips abroad that a holder declares, for the three-quarters rule and the 90/180 rule.

Only what the two rules need: the dates, and (optionally) the country visited, since only
days in other Schengen states count against 90 in 180. No purpose, no companions, no notes.
The EU's Entry/Exit System does not record residence-permit holders and there are no checks
at internal Schengen borders, so declared trips, backed by evidence, are the primary source.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TripSource(models.TextChoices):
    DECLARED = "declared", _("Declared by the holder")
    EVIDENCE = "evidence", _("Backed by evidence")


class Trip(models.Model):
    applicant = models.ForeignKey(
        "accounts.Applicant", on_delete=models.PROTECT, related_name="trips"
    )
    left = models.DateField(_("left the country on"), null=True, blank=True)
    returned = models.DateField(_("came back on"), null=True, blank=True)
    destination = models.CharField(
        _("country visited"),
        max_length=2,
        blank=True,
        help_text=_("Only needed for trips to other Schengen countries (90 days in any 180)."),
    )
    source = models.CharField(
        max_length=16, choices=TripSource.choices, default=TripSource.DECLARED
    )
    evidence = models.ForeignKey(
        "cases.EvidenceItem", on_delete=models.PROTECT, null=True, blank=True, related_name="trips"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["left", "returned", "id"]
        indexes = [models.Index(fields=["applicant", "left"])]
        constraints = [
            models.CheckConstraint(
                name="trip_has_a_date",
                condition=models.Q(left__isnull=False) | models.Q(returned__isnull=False),
            ),
            models.CheckConstraint(
                name="trip_returns_after_leaving",
                condition=models.Q(left__isnull=True)
                | models.Q(returned__isnull=True)
                | models.Q(returned__gte=models.F("left")),
            ),
        ]

    def __str__(self) -> str:
        return f"Trip #{self.pk}"
