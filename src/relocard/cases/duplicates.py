"""One person, one card, across member states: possible duplicates from the keyed person index.

At most one open first-card application or active card per person in the whole programme.
When a first-card application is submitted, :func:`duplicate_scan` looks the person up in the
keyed index (:mod:`relocard.common.person_index`: passport number and nationality; Latin name
and date of birth, which finds a new passport) and records a :class:`DuplicateHit` for each

- open first-card application (filed, not decided) of the same person, in any member state;
- active or suspended card of the same person;
- other account using the same passport, even without a case (the number is accepted into
  the case, never reported to the person typing it);
- refusal of the same person in another member state (state, date, criteria refused).

The hits of the first three kinds are recorded on both cases, so that the caseworkers of both
member states see them, and hold both: neither can be approved until a caseworker of its
member state resolves its hit, saying why (for example "not the same person", or after the
other application was withdrawn). A refusal informs and does not hold. A hit names the other
member state and case reference only. The applicant whose submission is held is told, in
neutral words, to contact the member state. A holder moving to another member state uses a
transfer, which opens no new application.

Legal basis assumed: the member states running the programme keep the index as a shared
processing register under joint controllership (GDPR Art. 26), as the Visa Information System
does for visas (Regulation (EC) No 767/2008, Art. 15): see the privacy documentation.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from relocard.accounts.models import Applicant
from relocard.audit.services import audit_record
from relocard.cards.models import Card, CardStatus
from relocard.cases.models import (
    Application,
    CaseState,
    DecisionOutcome,
    DecisionStatus,
    DuplicateHit,
    DuplicateKind,
    DuplicateMatch,
    Stage,
)
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.common.person_index import index_applicant

__all__ = ["duplicate_resolve", "duplicate_scan", "holding_hits", "is_held"]

#: States of a filed, undecided first-card application.
OPEN_FILED_STATES = (
    CaseState.SUBMITTED,
    CaseState.IN_REVIEW,
    CaseState.CORRECTION_REQUESTED,
    CaseState.REFUSAL_PROPOSED,
)


def holding_hits(application):
    """The hits that hold the case; :func:`holds` says the same of one hit already read."""
    return application.duplicate_hits.filter(resolved_at__isnull=True).exclude(
        kind=DuplicateKind.REFUSAL
    )


def holds(hit: DuplicateHit) -> bool:
    return hit.resolved_at is None and hit.kind != DuplicateKind.REFUSAL


def is_held(application) -> bool:
    """Whether an unresolved possible duplicate holds the case (it cannot be approved)."""
    return holding_hits(application).exists()


def _record(application, *, kind, matched_on, other=None, refused=None) -> DuplicateHit | None:
    reference = other.reference if other is not None else ""
    if (
        application.duplicate_hits.filter(
            kind=kind, other_reference=reference, resolved_at__isnull=True
        )
        .select_for_update()
        .exists()
    ):
        return None
    hit = DuplicateHit.objects.create(
        application=application,
        kind=kind,
        matched_on=matched_on,
        other_application=other,
        other_member_state_id=other.member_state_id if other is not None else None,
        other_reference=reference,
        refused_on=refused.confirmed_at.date() if refused is not None else None,
        refused_criteria=sorted(refused.reasons) if refused is not None else [],
        found_at=timezone.now(),
    )
    audit_record(
        actor=None,
        action="case.duplicate_flagged",
        obj=hit,
        member_state=application.member_state_id,
        data={"case": application.reference, "kind": kind, "matched_on": matched_on},
    )
    return hit


def duplicate_scan(application) -> list[DuplicateHit]:
    """Record the possible duplicates of a first-card application's person (see the module).

    Call inside the transaction of the submission, with the case locked. Returns the hits
    recorded on this case.
    """

    if application.stage != Stage.ISSUANCE:
        return []
    applicant = Applicant.objects.get(pk=application.applicant_id)
    changed = index_applicant(applicant)  # rows saved before the index existed
    if changed:
        applicant.save(update_fields=changed)
    match = Q()
    if applicant.passport_index:
        match |= Q(passport_index=applicant.passport_index)
    if applicant.name_index:
        match |= Q(name_index=applicant.name_index)
    if not match:
        return []
    people = {
        p.pk: (
            DuplicateMatch.PASSPORT
            if applicant.passport_index and p.passport_index == applicant.passport_index
            else DuplicateMatch.NAME
        )
        for p in Applicant.objects.filter(match).only("pk", "passport_index", "name_index")
    }
    hits: list[DuplicateHit] = []
    others = (
        Application.objects.filter(applicant_id__in=people)
        .exclude(pk=application.pk)
        .select_related("member_state")
        .order_by("pk")
    )
    flagged = set()  # people already named by a hit on one of their cases
    for other in others:
        matched_on = people[other.applicant_id]
        kind = None
        if other.stage == Stage.ISSUANCE and other.state in OPEN_FILED_STATES:
            kind = DuplicateKind.OPEN_CASE
        elif Card.objects.filter(
            application=other, status__in=[CardStatus.ACTIVE, CardStatus.SUSPENDED]
        ).exists():
            kind = DuplicateKind.ACTIVE_CARD
        elif other.state == CaseState.REFUSED and other.member_state_id != (
            application.member_state_id
        ):
            refusal = (
                other.decisions.filter(
                    outcome=DecisionOutcome.REFUSE, status=DecisionStatus.CONFIRMED
                )
                .order_by("-confirmed_at")
                .first()
            )
            if refusal is not None:
                flagged.add(other.applicant_id)
                hit = _record(
                    application,
                    kind=DuplicateKind.REFUSAL,
                    matched_on=matched_on,
                    other=other,
                    refused=refusal,
                )
                hits.extend([hit] if hit else [])
            continue
        if kind is None:
            continue
        flagged.add(other.applicant_id)
        hit = _record(application, kind=kind, matched_on=matched_on, other=other)
        hits.extend([hit] if hit else [])
        # The other member state sees this new application as a possible duplicate too.
        _record(other, kind=DuplicateKind.OPEN_CASE, matched_on=matched_on, other=application)
    for pk, matched_on in people.items():
        if pk == applicant.pk or pk in flagged or matched_on != DuplicateMatch.PASSPORT:
            continue
        hit = _record(application, kind=DuplicateKind.OTHER_ACCOUNT, matched_on=matched_on)
        hits.extend([hit] if hit else [])
        break  # one such hit says it all; the account is not named
    return hits


def duplicate_resolve(*, actor, hit: DuplicateHit, reason: str) -> DuplicateHit:
    """A caseworker of the case's member state resolves a possible duplicate, saying why."""
    if not access.can_resolve_duplicate(actor, hit):
        raise NotAllowed(_("Only a caseworker or supervisor of this member state can do this."))
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            _("Say why the possible duplicate is resolved (it stays on record)."), field="reason"
        )
    with transaction.atomic():
        locked = DuplicateHit.objects.select_for_update().get(pk=hit.pk)
        if locked.resolved_at is not None:
            raise InvalidState(_("This possible duplicate is already resolved."))
        locked.resolved_at = timezone.now()
        locked.resolved_by = actor
        locked.resolution = reason
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit_record(
            actor=actor,
            action="case.duplicate_resolved",
            obj=locked,
            member_state=locked.application.member_state_id,
            data={"case": locked.application.reference, "kind": locked.kind},
        )
    return locked
