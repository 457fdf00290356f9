"""The case: an application for a relocatee card in one member state, its evidence and history.

States (every change writes a :class:`CaseTransition`)::

    draft -> submitted -> in_review -> correction_requested -> (resubmitted) in_review
    in_review -> approved                             (every criterion met on verified evidence)
    in_review -> approval_proposed -> approved        (an exception: a supervisor confirms)
                 approval_proposed -> in_review       (the supervisor returns it)
    in_review -> refusal_proposed -> refused          (a supervisor confirms: four eyes)
                 refusal_proposed -> in_review        (the supervisor returns it)
    draft | submitted | in_review | correction_requested -> withdrawn
    approved -> draft                                 (the next card year: a renewal cycle)
    draft | submitted | in_review | correction_requested -> approved
                                                      (a renewal withdrawn, its card in force)
    refused -> in_review                              (an appeal is upheld)

``refusal_proposed`` is the four-eyes step between a caseworker's refusal and a supervisor's
confirmation. The rules of movement live in :mod:`relocard.cases.workflow`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _


def evidence_storage():
    return storages["evidence"]


class CaseState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    CORRECTION_REQUESTED = "correction_requested", _("Correction requested")
    REFUSAL_PROPOSED = "refusal_proposed", _("Refusal awaiting confirmation")
    APPROVAL_PROPOSED = "approval_proposed", _("Approval with an exception awaiting confirmation")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: States in which a case is closed; any other state counts as open.
CLOSED_STATES = (CaseState.REFUSED, CaseState.WITHDRAWN)
#: States waiting for a caseworker or a supervisor.
PENDING_STATES = (
    CaseState.SUBMITTED,
    CaseState.IN_REVIEW,
    CaseState.REFUSAL_PROPOSED,
    CaseState.APPROVAL_PROPOSED,
)


class Stage(models.TextChoices):
    ISSUANCE = "issuance", _("First card")
    RENEWAL = "renewal", _("Renewal")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    EMBASSY = "embassy", _("At an embassy or consulate")


class Application(models.Model):
    #: Public, unguessable reference used in URLs and letters (never the applicant's name).
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    applicant = models.ForeignKey(
        "accounts.Applicant", on_delete=models.PROTECT, related_name="applications"
    )
    member_state = models.ForeignKey(
        "reference.MemberState", on_delete=models.PROTECT, related_name="applications"
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.ONLINE
    )
    state = models.CharField(
        _("state"), max_length=32, choices=CaseState.choices, default=CaseState.DRAFT, db_index=True
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.ISSUANCE
    )
    #: Card year this case is in: 1 for the first card, 2 after the first renewal, ...
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The applicant, or the consular officer who opened the case at an embassy."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    #: Last day for a decision; moved later by the days a correction request was open.
    decision_due = models.DateField(_("decision due"), null=True, blank=True, db_index=True)
    clock_paused_at = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    #: Bumped by every transition: forms carry it, so a stale form cannot act twice.
    version = models.PositiveIntegerField(default=1)
    last_submission_token = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "member_state"],
                condition=~models.Q(state__in=["refused", "withdrawn"]),
                name="one_open_case_per_applicant_and_member_state",
            ),
        ]
        indexes = [
            models.Index(fields=["member_state", "state", "decision_due"]),
            # The caseworkers' queue (open cases, closest deadline first, a page at a time):
            # read in index order, so a page costs the same at 300,000 cases as at 3,000.
            # The condition is the queue's filter, in its order (cases.selectors).
            models.Index(
                fields=["member_state", "decision_due", "submitted_at", "id"],
                condition=models.Q(
                    state__in=[
                        "submitted",
                        "in_review",
                        "refusal_proposed",
                        "approval_proposed",
                        "correction_requested",
                    ]
                ),
                name="case_queue_open_by_deadline",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state not in CLOSED_STATES


class CaseTransition(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="transitions"
    )
    cycle = models.PositiveSmallIntegerField(default=1)
    from_state = models.CharField(max_length=32, choices=CaseState.choices, blank=True)
    to_state = models.CharField(max_length=32, choices=CaseState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or '-'} -> {self.to_state}"


class EvidenceKind(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    DIPLOMA = "diploma", _("Higher-education diploma")
    LANGUAGE_CERTIFICATE = "language_certificate", _("Language certificate")
    EMPLOYMENT_CONTRACT = "employment_contract", _("Employment contract")
    BUSINESS_REGISTRATION = "business_registration", _("Business registration")
    LEASE_OR_DEED = "lease_or_deed", _("Lease or title deed")
    LIQUID_ASSETS = "liquid_assets", _("Proof of liquid assets")
    TRAVEL = "travel", _("Evidence of a trip (ticket, boarding pass, stamp)")
    OTHER = "other", _("Other document")


class EvidenceStatus(models.TextChoices):
    PENDING = "pending", _("Not yet checked")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class EvidenceItem(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="evidence")
    cycle = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(_("type of document"), max_length=32, choices=EvidenceKind.choices)
    file = models.FileField(storage=evidence_storage, upload_to="%Y/%m/", max_length=200)
    #: The detected type (application/pdf, image/png, image/jpeg), never the browser's claim.
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    #: The facts this document supports, as the applicant declared them (checked by kind).
    declared = models.JSONField(default=dict, blank=True)
    #: The facts as verified by the caseworker (may correct the declaration); feed the rules.
    verified_facts = models.JSONField(default=dict, blank=True)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=EvidenceStatus.choices, default=EvidenceStatus.PENDING
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    #: The rejected document this one replaces (uploaded while a correction was open); the
    #: rejected one stays on record, marked replaced.
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def is_replaced(self) -> bool:
        try:
            return self.replaced_by is not None
        except EvidenceItem.DoesNotExist:
            return False


class CorrectionRequest(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="corrections"
    )
    cycle = models.PositiveSmallIntegerField(default=1)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    message = models.TextField()
    #: Evidence kinds the caseworker asks for (may be empty when the message says it all).
    kinds = models.JSONField(default=list, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"Correction request #{self.pk}"

    @property
    def kind_labels(self) -> list[str]:
        """The documents asked for, by name in the reader's language (never the raw keys)."""
        known = set(EvidenceKind.values)
        return [str(EvidenceKind(k).label) if k in known else k for k in self.kinds]


class DecisionOutcome(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REFUSE = "refuse", _("Refuse")


class DecisionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Final")
    RETURNED = "returned", _("Returned by the supervisor")
    OVERTURNED = "overturned", _("Overturned on appeal")


class Decision(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    cycle = models.PositiveSmallIntegerField(default=1)
    stage = models.CharField(max_length=16, choices=Stage.choices)
    outcome = models.CharField(max_length=16, choices=DecisionOutcome.choices)
    status = models.CharField(max_length=16, choices=DecisionStatus.choices)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    #: One reason per criterion not met: {"criterion id": "reason in plain words"}.
    reasons = models.JSONField(default=dict, blank=True)
    summary = models.TextField(blank=True)
    appeal_deadline = models.DateField(null=True, blank=True)
    return_reason = models.TextField(blank=True)
    #: The rules engine's evaluation at decision time, with its stamp (policy, hash, engine).
    evaluation = models.JSONField(default=dict, blank=True)
    #: An approval against the pre-check: {"criterion id": "why it is accepted anyway"} for
    #: every criterion not met on verified evidence (see ``cases.approval``); four eyes.
    exceptions = models.JSONField(default=dict, blank=True)
    #: The verified identity the decision rested on (kept when it changes later).
    identity = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["proposed_at", "id"]
        constraints = [
            # At most one live decision (proposed or final) per case and cycle: a second,
            # concurrent decision fails here even if two requests slip past the state check.
            models.UniqueConstraint(
                fields=["application", "cycle"],
                condition=models.Q(status__in=["proposed", "confirmed"]),
                name="one_live_decision_per_cycle",
            ),
            models.CheckConstraint(
                name="refusal_has_reasons",
                condition=~models.Q(outcome="refuse") | ~models.Q(reasons={}),
            ),
            models.CheckConstraint(
                name="four_eyes_on_approval_with_exceptions",
                condition=~models.Q(outcome="approve", status="confirmed")
                | models.Q(exceptions={})
                | (
                    models.Q(confirmed_by__isnull=False)
                    & ~models.Q(confirmed_by=models.F("proposed_by"))
                ),
            ),
            models.CheckConstraint(
                name="four_eyes_on_refusal",
                condition=~models.Q(outcome="refuse", status="confirmed")
                | (
                    models.Q(confirmed_by__isnull=False)
                    & ~models.Q(confirmed_by=models.F("proposed_by"))
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} ({self.status})"


class ExceptionKind(models.TextChoices):
    FORCE_MAJEURE_ABSENCE = "force_majeure_absence", _("Absence for documented force majeure")


class AcceptedException(models.Model):
    """An exception a caseworker accepted for one cycle, with its justification (e.g. days
    abroad for documented force majeure, not counted against presence up to the policy's cap)."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="exceptions"
    )
    cycle = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=32, choices=ExceptionKind.choices)
    days = models.PositiveSmallIntegerField()
    reason = models.TextField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField()

    class Meta:
        ordering = ["accepted_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.days} days)"


class CaseFacts(models.Model):
    """The facts a case's verified, unexpired evidence proves, kept flat for bulk runs.

    Refreshed by every evidence check (see ``cases.services.case_facts_refresh``); the nightly
    compliance run reads 300,000 of these rows instead of parsing every evidence item.
    ``languages`` uses the rules' table notation: ``fr:B2;en:C1``, ``none`` or empty (unknown).
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="facts_rows"
    )
    cycle = models.PositiveSmallIntegerField()
    nationality = models.CharField(max_length=2, blank=True)
    isced_level = models.PositiveSmallIntegerField(null=True, blank=True)
    languages = models.CharField(max_length=200, blank=True)
    employment = models.CharField(max_length=16, blank=True)
    housing_tenure = models.CharField(max_length=16, blank=True)
    housing_country = models.CharField(max_length=2, blank=True)
    liquid_assets_eur = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    #: The earliest expiry among the evidence behind these facts (null: nothing expires).
    expires_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "cycle"], name="one_facts_row_per_cycle")
        ]

    def __str__(self) -> str:
        return f"facts of {self.application_id}/{self.cycle}"


class AppealStatus(models.TextChoices):
    LODGED = "lodged", _("Lodged, awaiting a decision")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class Appeal(models.Model):
    """An appeal against a refusal or a revocation, decided by a supervisor of the member state."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="appeals")
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="appeals"
    )
    card_change = models.ForeignKey(
        "cards.CardStatusChange",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
    )
    grounds = models.TextField(_("grounds of the appeal"))
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lodged_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=AppealStatus.choices, default=AppealStatus.LODGED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["lodged_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="appeal_against_one_thing",
                condition=(models.Q(decision__isnull=False) & models.Q(card_change__isnull=True))
                | (models.Q(decision__isnull=True) & models.Q(card_change__isnull=False)),
            ),
            models.UniqueConstraint(
                fields=["decision"],
                condition=models.Q(decision__isnull=False),
                name="one_appeal_per_decision",
            ),
            models.UniqueConstraint(
                fields=["card_change"],
                condition=models.Q(card_change__isnull=False),
                name="one_appeal_per_card_change",
            ),
        ]

    def __str__(self) -> str:
        return f"Appeal #{self.pk} ({self.status})"


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")


class TransferRequest(models.Model):
    """A holder moving to another member state asks it to take over their case."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="transfers")
    from_state = models.ForeignKey(
        "reference.MemberState", on_delete=models.PROTECT, related_name="+"
    )
    to_state = models.ForeignKey(
        "reference.MemberState", on_delete=models.PROTECT, related_name="incoming_transfers"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=TransferStatus.choices, default=TransferStatus.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(status="requested"),
                name="one_open_transfer_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer #{self.pk} {self.from_state_id}->{self.to_state_id} ({self.status})"


class WalkInInvitation(models.Model):
    """An embassy case waiting for its applicant to link it from their own account.

    A consular officer never attaches a walk-in case to an existing account: the case gets its
    own applicant record (what the officer copied from the passport), and the address the
    applicant gave receives a link to sign in (or create an account) and link the case, the
    same for a new address as for one that has an account. The link is signed, single-use and
    expires (:data:`relocard.cases.walkins.LINK_DAYS`); the address is kept only to check
    that the account linking the case is the one invited.
    """

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="walkin_invitation"
    )
    email = models.EmailField(_("e-mail address"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField()
    linked_at = models.DateTimeField(null=True, blank=True)
    linked_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["invited_at", "id"]

    def __str__(self) -> str:
        return f"Walk-in invitation #{self.pk}"


class DuplicateKind(models.TextChoices):
    OPEN_CASE = "open_case", _("Open first-card application")
    ACTIVE_CARD = "active_card", _("Active card")
    OTHER_ACCOUNT = "other_account", _("Another account uses this passport")
    REFUSAL = "refusal", _("Refused before")


class DuplicateMatch(models.TextChoices):
    PASSPORT = "passport", _("Passport number and nationality")
    NAME = "name", _("Latin name and date of birth")


class DuplicateHit(models.Model):
    """A possible duplicate of a case's person found in the keyed person index
    (:mod:`relocard.cases.duplicates`): another member state's open first-card application,
    active card or refusal, or another account using the same passport.

    It names the other member state and case reference only: no other personal data. While a
    hit other than a refusal is open, the case is held (it cannot be approved) until a
    caseworker of its member state resolves it, saying why.
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="duplicate_hits"
    )
    kind = models.CharField(max_length=16, choices=DuplicateKind.choices)
    matched_on = models.CharField(max_length=16, choices=DuplicateMatch.choices)
    other_application = models.ForeignKey(
        Application, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    other_member_state = models.ForeignKey(
        "reference.MemberState", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    other_reference = models.CharField(max_length=20, blank=True)
    #: For a refusal: the day it became final and the criteria refused (ids).
    refused_on = models.DateField(null=True, blank=True)
    refused_criteria = models.JSONField(default=list, blank=True)
    found_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["found_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind", "other_reference"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_hit_per_case_and_other",
            ),
        ]

    def __str__(self) -> str:
        return f"Possible duplicate #{self.pk} ({self.kind})"

    @property
    def holds(self) -> bool:
        return self.resolved_at is None and self.kind != DuplicateKind.REFUSAL


class IdentityChangeStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for a caseworker")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class IdentityChangeKind(models.TextChoices):
    NEW_PASSPORT = "new_passport", _("A new passport")
    NAME_CHANGE = "name_change", _("A name-change document with the passport")


class IdentityChangeRequest(models.Model):
    """A holder's request to change the verified identity (see ``cases.identity_changes``).

    From submission on, the identity a case was decided on changes only this way: with a
    document, reviewed by a caseworker of the card's member state; on approval the card is
    re-issued and the old one revoked through the status list.
    """

    applicant = models.ForeignKey(
        "accounts.Applicant", on_delete=models.PROTECT, related_name="identity_changes"
    )
    #: The case whose member state reviews the request (the one with the card, if any).
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="identity_changes"
    )
    kind = models.CharField(_("document"), max_length=16, choices=IdentityChangeKind.choices)
    #: The identity before and as requested, field by field (dates as ISO strings).
    previous = models.JSONField(default=dict)
    changes = models.JSONField(default=dict)
    file = models.FileField(storage=evidence_storage, upload_to="identity/%Y/%m/", max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=16,
        choices=IdentityChangeStatus.choices,
        default=IdentityChangeStatus.REQUESTED,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant"],
                condition=models.Q(status="requested"),
                name="one_open_identity_change_per_applicant",
            ),
        ]

    def __str__(self) -> str:
        return f"Identity change #{self.pk} ({self.status})"


class StatisticsSnapshot(models.Model):
    """The programme statistics of one member state as computed at ``computed_at``
    (:mod:`relocard.cases.statistics`): the page reads these instead of recomputing every case
    on each request; the worker refreshes them every few minutes and the page shows their time.
    Derived data only: recomputed from the cases at any moment, never edited."""

    member_state = models.OneToOneField(
        "reference.MemberState", on_delete=models.CASCADE, related_name="statistics_snapshot"
    )
    computed_at = models.DateTimeField()
    figures = models.JSONField()

    class Meta:
        verbose_name = _("statistics snapshot")
        verbose_name_plural = _("statistics snapshots")

    def __str__(self) -> str:
        return f"{self.member_state_id} @ {self.computed_at:%Y-%m-%d %H:%M}"
