"""Security screening: list versions, screening runs, reviews and national checks.

* :class:`ListVersion`: one loaded file of the EU consolidated financial-sanctions list
  (generation date, the EU's file id, SHA-256, who loaded it and when, counts), kept forever;
  :class:`ListedEntity`: its entities, as much as matching and the officers need.
* :class:`ScreeningRun`: one screening of a case (its person) against one version: clear, or a
  possible match with its hits (scores and reasons). Only screening officers read the hits.
* :class:`ScreeningReview`: a screening officer proposes to clear a possible match (a false
  match, with a reason) or to confirm it; a second officer decides (four eyes, both ways).
* :class:`NationalCheck`: a check the national authority runs (SIS, police, intelligence),
  requested at submission with a deadline; its answer (no objection, or an objection with the
  authority's reference) is recorded by one screening officer and confirmed by another.

Caseworkers never read these tables: the approval gate (:mod:`.blockers`) tells them only that
screening is pending, under review or blocks the case.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ListVersion(models.Model):
    generation_date = models.DateTimeField()
    global_file_id = models.CharField(max_length=64, blank=True)
    sha256 = models.CharField(max_length=64, unique=True)
    #: Who loaded it: the operator's name given to ``relocard screening load`` (or the system
    #: user running it).
    loaded_by = models.CharField(max_length=150)
    loaded_at = models.DateTimeField()
    persons = models.PositiveIntegerField()
    enterprises = models.PositiveIntegerField()
    aliases = models.PositiveIntegerField()
    #: Logical ids added, removed and changed since the version loaded before it.
    changes = models.JSONField(default=dict)
    #: When the bulk re-screening of every holder and open case finished (None: not yet).
    rescreened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"List version #{self.pk}"


class SubjectType(models.TextChoices):
    PERSON = "person", _("Person")
    ENTERPRISE = "enterprise", _("Enterprise")


class ListedEntity(models.Model):
    version = models.ForeignKey(ListVersion, on_delete=models.CASCADE, related_name="entities")
    logical_id = models.CharField(max_length=32)
    reference = models.CharField(max_length=64, blank=True)
    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    #: :func:`relocard.core.screening.entity_record`: names, dates of birth, citizenships, ...
    record = models.JSONField()
    fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "logical_id"], name="one_entity_per_logical_id"
            )
        ]

    def __str__(self) -> str:
        return f"Listed entity {self.logical_id}"


class RunResult(models.TextChoices):
    CLEAR = "clear", _("Clear")
    POSSIBLE_MATCH = "possible_match", _("Possible match")


class RunTrigger(models.TextChoices):
    SUBMISSION = "submission", _("Submission")
    NEW_VERSION = "new_version", _("New list version")


class ReviewStatus(models.TextChoices):
    NONE = "none", _("Nothing to review")
    PENDING = "pending", _("Under review")
    CLEARED = "cleared", _("Cleared: not the listed person")
    CONFIRMED = "confirmed", _("Confirmed match")


class ScreeningRun(models.Model):
    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, related_name="screening_runs"
    )
    cycle = models.PositiveSmallIntegerField()
    version = models.ForeignKey(ListVersion, on_delete=models.PROTECT, related_name="runs")
    ran_at = models.DateTimeField()
    trigger = models.CharField(max_length=16, choices=RunTrigger.choices)
    result = models.CharField(max_length=16, choices=RunResult.choices)
    #: ``[{list_id, reference, name, score, reasons: [text], fingerprint}]``: officers only.
    hits = models.JSONField(default=list)
    review = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.NONE
    )
    #: A clearance carried over from an earlier run whose hits were the same unchanged entities.
    carried_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                name="run_clear_has_no_review",
                condition=~models.Q(result="clear") | models.Q(review="none"),
            ),
        ]
        indexes = [models.Index(fields=["application", "cycle", "-id"])]

    def __str__(self) -> str:
        return f"Screening run #{self.pk}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting a second officer")
    CONFIRMED = "confirmed", pgettext_lazy("proposal status", "Confirmed")
    RETURNED = "returned", _("Returned")


class FourEyesProposal(models.Model):
    """Who proposed, who decided (never the same person: each model has a DB constraint)."""

    status = models.CharField(
        max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)

    class Meta:
        abstract = True


class ReviewOutcome(models.TextChoices):
    CLEAR = "clear", _("Clear: not the listed person")
    CONFIRM = "confirm", _("Confirm the match")


class ScreeningReview(FourEyesProposal):
    run = models.ForeignKey(ScreeningRun, on_delete=models.PROTECT, related_name="reviews")
    outcome = models.CharField(max_length=16, choices=ReviewOutcome.choices)
    reason = models.TextField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run"],
                condition=models.Q(status="proposed"),
                name="one_open_review_per_run",
            ),
            models.CheckConstraint(
                name="screening_review_four_eyes",
                condition=~models.Q(status="confirmed")
                | ~models.Q(decided_by=models.F("proposed_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"Screening review #{self.pk}"


class CheckType(models.TextChoices):
    SIS = "sis", _("Schengen Information System")
    POLICE = "police", _("National police records")
    INTELLIGENCE = "intelligence", _("Intelligence service")


class CheckStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested, awaiting the answer")
    ANSWER_PROPOSED = "answer_proposed", _("Answer recorded, awaiting a second officer")
    NO_OBJECTION = "no_objection", _("No objection")
    OBJECTION = "objection", _("Objection")


class CheckAnswer(models.TextChoices):
    NO_OBJECTION = "no_objection", _("No objection")
    OBJECTION = "objection", _("Objection")


class NationalCheck(models.Model):
    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, related_name="national_checks"
    )
    cycle = models.PositiveSmallIntegerField()
    stage = models.CharField(max_length=16)
    check_type = models.CharField(max_length=16, choices=CheckType.choices)
    requested_at = models.DateTimeField()
    deadline = models.DateField()
    status = models.CharField(
        max_length=16, choices=CheckStatus.choices, default=CheckStatus.REQUESTED
    )
    #: The answer as recorded by the first officer, confirmed by a second one.
    answer = models.CharField(max_length=16, choices=CheckAnswer.choices, blank=True)
    authority_reference = models.CharField(max_length=80, blank=True)
    note = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    #: When the request document was last downloaded or exported.
    exported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "cycle", "check_type"], name="one_check_per_type_and_cycle"
            ),
            models.CheckConstraint(
                name="national_check_four_eyes",
                condition=models.Q(confirmed_by__isnull=True)
                | ~models.Q(confirmed_by=models.F("answered_by")),
            ),
            models.CheckConstraint(
                name="national_check_objection_has_reference",
                condition=~models.Q(answer="objection") | ~models.Q(authority_reference=""),
            ),
        ]

    def __str__(self) -> str:
        return f"National check #{self.pk}"
