"""The humanitarian-visa route: requests, their sealed grounds, triage, the ledger's records.

This app is apart from the card on purpose (docs/humanitarian.md, "Privacy design"): no card
app imports it or queries its tables (an architecture test), and it knows of a person only
their user account, never their card case.

* :class:`HumanitarianRequest`: one request for a visa to one member state, by the person
  online or referred by an accredited organisation; its travellers are one family.
* :class:`Traveller`: the person and each family member travelling with them.
* :class:`SealedGrounds`: the grounds of a request (special-category data), AES-256-GCM
  encrypted with a data key from the key store; only assigned officers read them, each read
  audited. :class:`DecisionReasons` seals a decision's reasons the same way.
* :class:`Assignment`: which humanitarian officers work on (and may read) a request.
* :class:`CategoryMove`: a proposed move between urgency categories, confirmed by a second
  officer (four eyes).
* :class:`HumanitarianDecision`: grant or refusal; a refusal is confirmed by a second officer.
* :class:`LedgerRecord`: the member state's public, hash-chained ledger, append-only.
* :class:`ReferringOrganisation` and :class:`ReferrerMembership`: NGOs that refer requests,
  approved by programme staff.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VisaKind(models.TextChoices):
    NATIONAL = "national", _("National long-stay visa on humanitarian grounds")
    LTV = "ltv", _("Visa with limited territorial validity (Visa Code, Article 25)")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online, by the person")
    REFERRAL = "referral", _("Referred by an accredited organisation")


class RequestStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered, awaiting triage")
    WAITING = "waiting", _("Waiting")
    INVITED = "invited", _("Invited to an appointment")
    REFUSAL_PROPOSED = "refusal_proposed", _("Decision being confirmed")
    GRANTED = "granted", _("Visa granted")
    REFUSED = "refused", _("Visa refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REMOVED = "removed", _("Removed from the list")


OPEN_STATUSES = (
    RequestStatus.REGISTERED,
    RequestStatus.WAITING,
    RequestStatus.INVITED,
    RequestStatus.REFUSAL_PROPOSED,
)


class OrganisationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", pgettext_lazy("organisation", "Approved")
    SUSPENDED = "suspended", _("Suspended")


class ReferringOrganisation(models.Model):
    """An NGO that refers requests to one member state, once programme staff approved it."""

    name = models.CharField(_("name"), max_length=160)
    country = models.ForeignKey("reference.MemberState", on_delete=models.PROTECT, related_name="+")
    registration_number = models.CharField(_("registration number"), max_length=64)
    status = models.CharField(
        max_length=16, choices=OrganisationStatus.choices, default=OrganisationStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.status == OrganisationStatus.APPROVED


class ReferrerMembership(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrer_membership"
    )
    organisation = models.ForeignKey(
        ReferringOrganisation, on_delete=models.PROTECT, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Referrer #{self.user_id} of organisation #{self.organisation_id}"


class HumanitarianRequest(models.Model):
    #: The pseudonymous entry id of the public ledger (random; shares nothing with a card).
    entry_id = models.CharField(max_length=22, unique=True)
    member_state = models.ForeignKey(
        "reference.MemberState", on_delete=models.PROTECT, related_name="+"
    )
    visa_kind = models.CharField(_("kind of visa"), max_length=16, choices=VisaKind.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    #: The person's account when they asked online; none for a referral (the organisation
    #: hands them the receipt).
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="humanitarian_requests",
    )
    organisation = models.ForeignKey(
        ReferringOrganisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.REGISTERED
    )
    category = models.CharField(max_length=40, blank=True)
    registered_on = models.DateField()
    created_at = models.DateTimeField()
    #: Explicit consent to process the grounds (Article 9(2)(a) GDPR): when, and which text.
    consent_at = models.DateTimeField()
    consent_version = models.CharField(max_length=16)
    #: The hash of the registration record in the public ledger (printed on the receipt).
    registration_hash = models.CharField(max_length=64)
    invited_on = models.DateField(null=True, blank=True)
    #: The mission's slot reserved for the invitation (the consular side sees the slot, a
    #: reference and the name to check at the door; nothing of this request).
    reservation = models.ForeignKey(
        "consular.SlotReservation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    appointment_at = models.DateTimeField(null=True, blank=True)
    appointment_place = models.CharField(max_length=160, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    #: Personal data (grounds, travellers, reasons) is erased on this day (policy retention).
    erase_on = models.DateField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["member_state", "status"])]
        constraints = [
            models.CheckConstraint(
                name="humanitarian_request_has_origin",
                condition=(
                    models.Q(channel="online", person__isnull=False, organisation__isnull=True)
                    | models.Q(channel="referral", organisation__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.entry_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Relationship(models.TextChoices):
    PRINCIPAL = "principal", _("The person asking")
    SPOUSE = "spouse", _("Spouse or partner")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    OTHER = "other", _("Other dependent family member")


class Traveller(models.Model):
    """The person or a family member travelling with them: what the visa needs, no more."""

    request = models.ForeignKey(
        HumanitarianRequest, on_delete=models.CASCADE, related_name="travellers"
    )
    relationship = models.CharField(max_length=16, choices=Relationship.choices)
    surname = models.CharField(_("surname"), max_length=80)
    given_names = models.CharField(_("given names"), max_length=120)
    date_of_birth = models.DateField(_("date of birth"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(relationship="principal"),
                name="one_principal_per_request",
            )
        ]

    def __str__(self) -> str:
        return f"Traveller #{self.pk}"  # never the name


class Sealed(models.Model):
    """AES-256-GCM ciphertext: data key id (from the key store), nonce, ciphertext+tag."""

    key_id = models.CharField(max_length=32)
    nonce = models.BinaryField(max_length=12)
    ciphertext = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        abstract = True


class SealedGrounds(Sealed):
    request = models.OneToOneField(
        HumanitarianRequest, on_delete=models.CASCADE, related_name="grounds"
    )

    def __str__(self) -> str:
        return f"Grounds of request #{self.request_id}"


class Assignment(models.Model):
    request = models.ForeignKey(
        HumanitarianRequest, on_delete=models.CASCADE, related_name="assignments"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "officer"], name="one_assignment_each")
        ]

    def __str__(self) -> str:
        return f"Assignment #{self.pk}"


class ProposalStatus(models.TextChoices):
    # In context: the words agree with "proposal" in the languages that inflect them.
    PROPOSED = "proposed", pgettext_lazy("proposal status", "Proposed")
    CONFIRMED = "confirmed", pgettext_lazy("proposal status", "Confirmed")
    CANCELLED = "cancelled", pgettext_lazy("proposal status", "Cancelled")


class FourEyesProposal(models.Model):
    """What a proposal that a second officer confirms records: its status, who proposed it and
    when, who decided it and when. Each concrete model keeps its own constraints (one open
    proposal per request; the decider is never the proposer)."""

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

    class Meta:
        abstract = True


class CategoryMove(FourEyesProposal):
    """A move to another urgency category: one officer proposes with a reason code, another
    confirms; only then does the ledger record it."""

    request = models.ForeignKey(HumanitarianRequest, on_delete=models.CASCADE, related_name="moves")
    from_category = models.CharField(max_length=40)
    to_category = models.CharField(max_length=40)
    reason = models.CharField(max_length=40)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(status="proposed"),
                name="one_open_move_per_request",
            ),
            models.CheckConstraint(
                name="move_four_eyes",
                condition=~models.Q(status="confirmed")
                | ~models.Q(decided_by=models.F("proposed_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"Move #{self.pk}"


class AssignmentProposal(FourEyesProposal):
    """Access to a request's grounds for one more officer: an officer of the member state
    proposes (themself or a colleague), a second officer (never the proposer) confirms; only
    then is the officer assigned. No officer can give themself access alone."""

    request = models.ForeignKey(
        HumanitarianRequest, on_delete=models.CASCADE, related_name="assignment_proposals"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "officer"],
                condition=models.Q(status="proposed"),
                name="one_open_assignment_proposal",
            ),
            models.CheckConstraint(
                name="assignment_four_eyes",
                condition=~models.Q(status="confirmed")
                | ~models.Q(decided_by=models.F("proposed_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"Assignment proposal #{self.pk}"


class OutOfTurnInvitation(FourEyesProposal):
    """An invitation out of turn (passing over the first in line, with one of the policy's
    ``invitation`` reasons): one officer proposes, a second confirms; only then does the
    ledger record it."""

    request = models.ForeignKey(
        HumanitarianRequest, on_delete=models.CASCADE, related_name="out_of_turn"
    )
    reason = models.CharField(max_length=40)
    #: The slot reserved while the proposal waits (ended if it is cancelled).
    reservation = models.ForeignKey(
        "consular.SlotReservation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    appointment_at = models.DateTimeField()
    place = models.CharField(max_length=160)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(status="proposed"),
                name="one_open_out_of_turn_per_request",
            ),
            models.CheckConstraint(
                name="out_of_turn_four_eyes",
                condition=~models.Q(status="confirmed")
                | ~models.Q(decided_by=models.F("proposed_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"Out-of-turn invitation #{self.pk}"


class Outcome(models.TextChoices):
    GRANT = "grant", _("Grant the visa")
    REFUSE = "refuse", _("Refuse the visa")


class HumanitarianDecision(models.Model):
    """A decision after the appointment. A grant is taken by one assigned officer; a refusal
    is proposed by one and confirmed (or returned) by another (four eyes)."""

    request = models.ForeignKey(
        HumanitarianRequest, on_delete=models.CASCADE, related_name="decisions"
    )
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    status = models.CharField(max_length=16, choices=ProposalStatus.choices)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    appeal_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(status="proposed"),
                name="one_open_humanitarian_decision",
            ),
            models.CheckConstraint(
                name="humanitarian_refusal_four_eyes",
                condition=~models.Q(status="confirmed", outcome="refuse")
                | ~models.Q(decided_by=models.F("proposed_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"Decision #{self.pk}"


class DecisionReasons(Sealed):
    decision = models.OneToOneField(
        HumanitarianDecision, on_delete=models.CASCADE, related_name="reasons"
    )

    def __str__(self) -> str:
        return f"Reasons of decision #{self.decision_id}"


class LedgerRecord(models.Model):
    """One record of a member state's public ledger, as the core sealed it. Append-only: the
    services only insert; nothing updates or deletes a record."""

    member_state = models.ForeignKey(
        "reference.MemberState", on_delete=models.PROTECT, related_name="+"
    )
    seq = models.PositiveIntegerField()
    date = models.DateField()
    event = models.CharField(max_length=16)
    # null, as in the published record (a policy record has no entry, most events no reason)
    entry = models.CharField(max_length=22, null=True, blank=True)  # noqa: DJ001
    category = models.CharField(max_length=40, null=True, blank=True)  # noqa: DJ001
    reason = models.CharField(max_length=40, null=True, blank=True)  # noqa: DJ001
    policy = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["member_state", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["member_state", "seq"], name="one_record_per_seq")
        ]

    def __str__(self) -> str:
        return f"{self.member_state_id} ledger record {self.seq}"


class LedgerHead(models.Model):
    """One row per member state, locked while a record is appended (so that two officers'
    writes line up one after the other)."""

    member_state = models.OneToOneField(
        "reference.MemberState", on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    records = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.member_state_id} ledger head"
