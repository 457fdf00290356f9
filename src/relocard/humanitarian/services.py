"""Every write of the humanitarian route: ``<noun>_<verb>(*, actor, ...)``, atomic, audited.

Each change to the waiting list appends its event to the member state's public ledger in the
same transaction (:func:`_ledger_append`), checked first by the same rules the public verifier
replays (:class:`relocard.core.waitlist.WaitingList`); a refused event changes nothing. Audit
events name entry ids, categories and reason codes: never a name, never the grounds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from relocard.accounts.models import Role
from relocard.accounts.services import account_create
from relocard.audit.services import audit_record
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed, StaleObject
from relocard.common.notifications import notify
from relocard.consular import services as consular
from relocard.consular.models import Slot, SlotReservation
from relocard.core.waitlist import (
    Event,
    HumanitarianPolicy,
    HumanitarianPolicyError,
    Ledger,
    Record,
    RuleViolation,
    load_humanitarian_policy,
    new_entry_id,
    record_from_json,
)
from relocard.humanitarian import crypto
from relocard.humanitarian.emails import send_referrer_signup_email
from relocard.humanitarian.models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentProposal,
    CategoryMove,
    Channel,
    DecisionReasons,
    HumanitarianDecision,
    HumanitarianRequest,
    LedgerHead,
    LedgerRecord,
    OrganisationStatus,
    Outcome,
    OutOfTurnInvitation,
    ProposalStatus,
    ReferrerMembership,
    ReferringOrganisation,
    Relationship,
    RequestStatus,
    SealedGrounds,
    Traveller,
    VisaKind,
)

#: The version of the consent text the person agrees to (templates show it; bump on change).
CONSENT_VERSION = "2026-12"
GROUNDS_MAX = 20_000
REASONS_MAX = 10_000
MAX_TRAVELLERS = 12
GROUNDS = "grounds"
REASONS = "decision-reasons"


def today() -> date:
    """The ledger's day: UTC, no time of day (docs/humanitarian.md, privacy)."""
    return timezone.now().astimezone(UTC).date()


def humanitarian_policy(member_state: str) -> HumanitarianPolicy:
    try:
        return load_humanitarian_policy(member_state)
    except HumanitarianPolicyError:
        raise InvalidInput(
            _("This member state does not take humanitarian-visa requests through Relocard."),
            field="member_state",
        ) from None


# --- the ledger ------------------------------------------------------------------------------


def stored_records(member_state: str) -> list[Record]:
    """The member state's ledger records, in order, read back through the ledger's parser."""
    rows = LedgerRecord.objects.filter(member_state_id=member_state).order_by("seq")
    return [record_from_json(row_json(row)) for row in rows]


def row_json(row: LedgerRecord) -> dict:
    out = {
        "seq": row.seq,
        "date": row.date.isoformat(),
        "event": row.event,
        "entry": row.entry,
        "category": row.category,
        "reason": row.reason,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }
    if row.event == "policy":
        out["policy"] = row.policy
    return out


def _locked_ledger(member_state: str) -> Ledger:
    """The ledger, rebuilt under the member state's lock (call inside ``transaction.atomic``)."""
    LedgerHead.objects.get_or_create(member_state_id=member_state)
    LedgerHead.objects.select_for_update().get(member_state_id=member_state)
    return Ledger.from_records(member_state, stored_records(member_state), rehash=False)


def _rule_message(exc: RuleViolation) -> str:
    if exc.rule == "invited-out-of-order":
        return _(
            "Another request is first in line in this category: invite that one, or give the "
            "reason for inviting out of turn."
        )
    if exc.rule == "quota-exceeded":
        return _("This category's places for the year are all taken.")
    if exc.rule == "unknown-reason":
        return _("That reason is not one of the policy's reasons for this step.")
    return _("The waiting list's rules do not allow this (%(rule)s).") % {"rule": exc.rule}


def _ledger_append(ledger: Ledger, event: Event) -> Record:
    """Append ``event`` (after a policy record if the policy changed); store the new records."""
    before = len(ledger)
    try:
        ledger.adopt_policy(humanitarian_policy(ledger.member_state).to_ledger(), on=event.on)
        record = ledger.append(event)
    except RuleViolation as exc:
        raise InvalidState(_rule_message(exc)) from None
    LedgerRecord.objects.bulk_create(
        [
            LedgerRecord(
                member_state_id=ledger.member_state,
                seq=r.seq,
                date=r.event.on,
                event=r.event.type.value,
                entry=r.event.entry,
                category=r.event.category,
                reason=r.event.reason,
                policy=r.event.policy.to_json() if r.event.policy else None,
                prev_hash=r.prev_hash,
                hash=r.hash,
            )
            for r in ledger.records[before:]
        ]
    )
    LedgerHead.objects.filter(member_state_id=ledger.member_state).update(records=len(ledger))
    return record


def _lock_request(request: HumanitarianRequest) -> HumanitarianRequest:
    return HumanitarianRequest.objects.select_for_update().get(pk=request.pk)


def _audit(actor, action: str, request: HumanitarianRequest, **data) -> None:
    audit_record(
        actor=actor,
        action=f"humanitarian.{action}",
        obj=request,
        member_state=request.member_state_id,
        data={"entry": request.entry_id, **data},
    )


# --- registration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TravellerData:
    relationship: str
    surname: str
    given_names: str
    date_of_birth: date


_NAME = re.compile(r"^[^\x00-\x1f\x7f<>]{1,120}$")


def _clean_travellers(travellers: list[TravellerData]) -> list[TravellerData]:
    if not travellers or travellers[0].relationship != Relationship.PRINCIPAL:
        raise InvalidInput(_("Give the details of the person asking first."), field="travellers")
    if len(travellers) > MAX_TRAVELLERS:
        raise InvalidInput(
            _("At most %(n)d people can travel on one request.") % {"n": MAX_TRAVELLERS},
            field="travellers",
        )
    clean = []
    for i, t in enumerate(travellers):
        if t.relationship not in Relationship.values:
            raise InvalidInput(_("Choose how each person is related."), field="travellers")
        if i and t.relationship == Relationship.PRINCIPAL:
            raise InvalidInput(_("Only one person can be the person asking."), field="travellers")
        surname, given = " ".join(t.surname.split()), " ".join(t.given_names.split())
        if not _NAME.match(surname) or not _NAME.match(given):
            raise InvalidInput(_("Give each person's surname and given names."), field="travellers")
        if not isinstance(t.date_of_birth, date) or not (
            date(1900, 1, 1) <= t.date_of_birth <= today()
        ):
            raise InvalidInput(_("Give each person's date of birth."), field="travellers")
        clean.append(TravellerData(t.relationship, surname, given, t.date_of_birth))
    return clean


def _register(
    *,
    actor,
    member_state: str,
    visa_kind: str,
    grounds: str,
    travellers: list[TravellerData],
    consent: bool,
    channel: str,
    person=None,
    organisation: ReferringOrganisation | None = None,
) -> HumanitarianRequest:
    humanitarian_policy(member_state)  # a clear error for a state without the route
    if visa_kind not in VisaKind.values:
        raise InvalidInput(_("Choose the kind of visa."), field="visa_kind")
    if not consent:
        raise InvalidInput(
            _("Without your explicit consent the grounds cannot be processed."), field="consent"
        )
    grounds = (grounds or "").strip()
    if not grounds:
        raise InvalidInput(_("Describe the grounds of the request."), field="grounds")
    if len(grounds) > GROUNDS_MAX:
        raise InvalidInput(
            _("The grounds are longer than %(n)d characters.") % {"n": GROUNDS_MAX},
            field="grounds",
        )
    travellers = _clean_travellers(travellers)
    now = timezone.now()
    on = today()
    with transaction.atomic():
        ledger = _locked_ledger(member_state)
        entry = new_entry_id()
        record = _ledger_append(ledger, Event.registration(entry, on=on))
        request = HumanitarianRequest.objects.create(
            entry_id=entry,
            member_state_id=member_state,
            visa_kind=visa_kind,
            channel=channel,
            person=person,
            organisation=organisation,
            referred_by=actor if organisation is not None else None,
            registered_on=on,
            created_at=now,
            consent_at=now,
            consent_version=CONSENT_VERSION,
            registration_hash=record.hash,
        )
        Traveller.objects.bulk_create(
            [
                Traveller(
                    request=request,
                    relationship=t.relationship,
                    surname=t.surname,
                    given_names=t.given_names,
                    date_of_birth=t.date_of_birth,
                )
                for t in travellers
            ]
        )
        key_id, nonce, data = crypto.seal(
            grounds, member_state=member_state, entry_id=entry, purpose=GROUNDS
        )
        SealedGrounds.objects.create(
            request=request, key_id=key_id, nonce=nonce, ciphertext=data, created_at=now
        )
        _audit(
            actor,
            "request_registered",
            request,
            channel=channel,
            travellers=len(travellers),
            consent_version=CONSENT_VERSION,
            ledger_seq=record.seq,
        )
    return request


def request_submit(
    *,
    actor,
    member_state: str,
    visa_kind: str,
    grounds: str,
    travellers: list[TravellerData],
    consent: bool,
) -> HumanitarianRequest:
    """The person asks online for themselves and the family travelling with them."""
    if not access.can_request_humanitarian_visa(actor):
        raise NotAllowed(_("Sign in with a personal account to ask for a humanitarian visa."))
    return _register(
        actor=actor,
        member_state=member_state,
        visa_kind=visa_kind,
        grounds=grounds,
        travellers=travellers,
        consent=consent,
        channel=Channel.ONLINE,
        person=actor,
    )


def request_refer(
    *, actor, visa_kind: str, grounds: str, travellers: list[TravellerData], consent: bool
) -> HumanitarianRequest:
    """An accredited organisation refers a request to its own member state; ``consent`` is
    the person's, which the referrer confirms having received."""
    if not access.can_refer(actor):
        raise NotAllowed(
            _("Only people of an accredited organisation that the programme approved can refer.")
        )
    membership = access.referrer_membership(actor)
    organisation = membership.organisation
    return _register(
        actor=actor,
        member_state=organisation.country_id,
        visa_kind=visa_kind,
        grounds=grounds,
        travellers=travellers,
        consent=consent,
        channel=Channel.REFERRAL,
        organisation=organisation,
    )


# --- officers: assignment, triage, moves -----------------------------------------------------


def _open(proposal, decided: str, *related: str):
    """``proposal`` (a move, an out-of-turn invitation, a refusal, an assignment) locked and
    still waiting for its second officer; ``decided`` is the error when it no longer is."""
    locked = (
        type(proposal)
        .objects.select_for_update()
        .select_related("request", *related)
        .get(pk=proposal.pk)
    )
    if locked.status != ProposalStatus.PROPOSED:
        raise InvalidState(decided)
    return locked


def assignment_propose(*, actor, request: HumanitarianRequest, officer) -> AssignmentProposal:
    """Propose an officer of the request's member state (the actor or a colleague) for the
    request; a second officer confirms it (:func:`assignment_confirm`). Assignment gives access
    to the grounds, so nobody can give it to themself alone."""
    if not access.can_assign_officer(actor, request, officer):
        raise NotAllowed(
            _("Only humanitarian officers of this member state can be assigned to its requests.")
        )
    with transaction.atomic():
        req = _lock_request(request)
        if req.assignments.filter(officer=officer).exists():
            raise InvalidState(_("This officer is already assigned to the request."))
        try:
            with transaction.atomic():
                proposal = AssignmentProposal.objects.create(
                    request=req, officer=officer, proposed_by=actor, proposed_at=timezone.now()
                )
        except IntegrityError:
            raise StaleObject(
                _("This officer's assignment is already waiting for confirmation.")
            ) from None
        _audit(actor, "assignment_proposed", req, officer=officer.pk, proposal=proposal.pk)
    return proposal


def assignment_confirm(*, actor, proposal: AssignmentProposal) -> Assignment:
    """A second officer of the member state (never the proposer) confirms an assignment."""
    if not access.can_confirm_assignment(actor, proposal):
        raise NotAllowed(
            _("A second officer of this member state, not the one who proposed it, confirms.")
        )
    with transaction.atomic():
        proposal = _open(
            proposal, _("This assignment was already confirmed or cancelled."), "officer"
        )
        req = _lock_request(proposal.request)
        now = timezone.now()
        try:
            with transaction.atomic():
                assignment = Assignment.objects.create(
                    request=req,
                    officer=proposal.officer,
                    assigned_by=proposal.proposed_by,
                    assigned_at=now,
                )
        except IntegrityError:
            raise InvalidState(_("This officer is already assigned to the request.")) from None
        proposal.status, proposal.decided_by, proposal.decided_at = (
            ProposalStatus.CONFIRMED,
            actor,
            now,
        )
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        _audit(
            actor,
            "officer_assigned",
            req,
            officer=proposal.officer_id,
            proposed_by=proposal.proposed_by_id,
            proposal=proposal.pk,
        )
    return assignment


def assignment_cancel(*, actor, proposal: AssignmentProposal) -> AssignmentProposal:
    """The proposer withdraws the proposal, or another officer of the state turns it down."""
    if not access.can_assign_officer(actor, proposal.request, proposal.officer):
        raise NotAllowed(_("Only humanitarian officers of this member state can do this."))
    with transaction.atomic():
        proposal = _open(
            proposal, _("This assignment was already confirmed or cancelled."), "officer"
        )
        proposal.status, proposal.decided_by, proposal.decided_at = (
            ProposalStatus.CANCELLED,
            actor,
            timezone.now(),
        )
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        _audit(actor, "assignment_cancelled", proposal.request, proposal=proposal.pk)
    return proposal


def _require_worker(actor, request: HumanitarianRequest) -> None:
    if not access.can_work_on_request(actor, request):
        raise NotAllowed(_("Only an officer assigned to this request can do this."))


def _category_code(policy: HumanitarianPolicy, code: str) -> str:
    if code not in {c.code for c in policy.categories}:
        raise InvalidInput(_("Choose one of the policy's categories."), field="category")
    return code


def request_triage(*, actor, request: HumanitarianRequest, category: str) -> HumanitarianRequest:
    """An assigned officer places a registered request in an urgency category."""
    _require_worker(actor, request)
    policy = humanitarian_policy(request.member_state_id)
    category = _category_code(policy, category)
    with transaction.atomic():
        ledger = _locked_ledger(request.member_state_id)
        req = _lock_request(request)
        if req.status != RequestStatus.REGISTERED:
            raise InvalidState(_("This request has already been triaged; a change is a move."))
        record = _ledger_append(ledger, Event.triage(req.entry_id, on=today(), category=category))
        req.status, req.category = RequestStatus.WAITING, category
        req.save(update_fields=["status", "category"])
        _audit(actor, "request_triaged", req, category=category, ledger_seq=record.seq)
    return req


def request_review(*, actor, request: HumanitarianRequest) -> HumanitarianRequest:
    """An assigned officer re-examined the category and keeps it (the review interval restarts)."""
    _require_worker(actor, request)
    with transaction.atomic():
        ledger = _locked_ledger(request.member_state_id)
        req = _lock_request(request)
        if req.status != RequestStatus.WAITING:
            raise InvalidState(_("Only a waiting request can be reviewed."))
        record = _ledger_append(
            ledger, Event.review(req.entry_id, on=today(), category=req.category)
        )
        _audit(actor, "request_reviewed", req, category=req.category, ledger_seq=record.seq)
    return req


def move_propose(
    *, actor, request: HumanitarianRequest, category: str, reason: str
) -> CategoryMove:
    """Propose a move to another category with one of the policy's ``move`` reasons; a second
    assigned officer confirms it (:func:`move_confirm`)."""
    _require_worker(actor, request)
    policy = humanitarian_policy(request.member_state_id)
    category = _category_code(policy, category)
    if reason not in {r.code for r in policy.reasons["move"]}:
        raise InvalidInput(_("Choose the reason for the move."), field="reason")
    with transaction.atomic():
        req = _lock_request(request)
        if req.status != RequestStatus.WAITING:
            raise InvalidState(_("Only a waiting request can move to another category."))
        if req.category == category:
            raise InvalidInput(_("The request is already in this category."), field="category")
        try:
            with transaction.atomic():
                move = CategoryMove.objects.create(
                    request=req,
                    from_category=req.category,
                    to_category=category,
                    reason=reason,
                    proposed_by=actor,
                    proposed_at=timezone.now(),
                )
        except IntegrityError:
            raise StaleObject(
                _("Another move of this request is waiting for confirmation.")
            ) from None
        _audit(actor, "move_proposed", req, to=category, reason=reason, move=move.pk)
    return move


def move_confirm(*, actor, move: CategoryMove) -> CategoryMove:
    """A second assigned officer (never the proposer) confirms a move; the ledger records it."""
    if not access.can_confirm_move(actor, move):
        raise NotAllowed(
            _("A second officer assigned to this request, not the one who proposed it, confirms.")
        )
    with transaction.atomic():
        ledger = _locked_ledger(move.request.member_state_id)
        move = _open(move, _("This move was already confirmed or cancelled."))
        req = _lock_request(move.request)
        if req.status != RequestStatus.WAITING or req.category != move.from_category:
            raise InvalidState(_("The request changed since the move was proposed."))
        record = _ledger_append(
            ledger,
            Event.move(req.entry_id, on=today(), category=move.to_category, reason=move.reason),
        )
        req.category = move.to_category
        req.save(update_fields=["category"])
        move.status, move.decided_by, move.decided_at = (
            ProposalStatus.CONFIRMED,
            actor,
            timezone.now(),
        )
        move.save(update_fields=["status", "decided_by", "decided_at"])
        _audit(
            actor,
            "move_confirmed",
            req,
            to=move.to_category,
            reason=move.reason,
            move=move.pk,
            ledger_seq=record.seq,
        )
    return move


def move_cancel(*, actor, move: CategoryMove) -> CategoryMove:
    """The proposer withdraws a move, or a second assigned officer turns it down."""
    _require_worker(actor, move.request)
    with transaction.atomic():
        move = _open(move, _("This move was already confirmed or cancelled."))
        move.status, move.decided_by, move.decided_at = (
            ProposalStatus.CANCELLED,
            actor,
            timezone.now(),
        )
        move.save(update_fields=["status", "decided_by", "decided_at"])
        _audit(actor, "move_cancelled", move.request, move=move.pk)
    return move


# --- invitation, decision, withdrawal, removal -------------------------------------------------


def _reserve(actor, req: HumanitarianRequest, slot: Slot | None) -> SlotReservation:
    """Reserve ``slot`` (a published free slot of one of the member state's missions) for
    the request, through the consular channel's one allocation path (the slot row locked).
    The mission learns the slot, a random reference, the principal's name and how many come:
    nothing of the request, its entry id, category or grounds."""
    if slot is None:
        raise InvalidInput(_("Choose a mission and a free slot."), field="slot")
    if slot.mission.member_state_id != req.member_state_id:
        raise InvalidInput(_("Choose a slot of one of this member state's missions."), field="slot")
    principal = req.travellers.filter(relationship=Relationship.PRINCIPAL).first()
    if principal is None:
        raise InvalidState(_("This request has no traveller to invite."))
    return consular.slot_reserve(
        actor=actor,
        slot=slot,
        name=f"{principal.surname}, {principal.given_names}",
        travellers=req.travellers.count(),
    )


def _end_reservation(actor, reservation_id: int | None) -> None:
    """End the request's reservation (the slot returns if it is still ahead; the name is
    erased). ``actor`` None when the person withdraws: the consular side records the system,
    the humanitarian audit names the person."""
    if reservation_id is None:
        return
    reservation = SlotReservation.objects.get(pk=reservation_id)
    consular.slot_reservation_end(actor=actor, reservation=reservation)


def invitation_lines(reservation: SlotReservation) -> list[str]:
    """Where and when, as the person's message says it (in the active language): the time in
    the mission's time zone, the zone named."""
    slot = reservation.slot
    mission = slot.mission
    when = date_format(mission.local(slot.starts_at), "DATETIME_FORMAT")
    return [
        _("When: %(when)s (local time of the mission, %(zone)s)")
        % {"when": when, "zone": mission.time_zone},
        _("Where: %(kind)s %(city)s, %(address)s")
        % {"kind": mission.get_kind_display(), "city": mission.city, "address": mission.address},
        _("Reference to show at the door: %(ref)s") % {"ref": reservation.reference},
        _("Bring the passports of everyone on the request."),
    ]


def _place(slot: Slot) -> str:
    mission = slot.mission
    return f"{mission.city}, {mission.address}"[:160]


def _invite(actor, req, ledger, *, reservation: SlotReservation, reason, **extra) -> None:
    if req.status != RequestStatus.WAITING:
        raise InvalidState(_("Only a waiting request can be invited."))
    record = _ledger_append(
        ledger, Event.invitation(req.entry_id, on=today(), category=req.category, reason=reason)
    )
    slot = reservation.slot
    req.status = RequestStatus.INVITED
    req.invited_on, req.reservation = today(), reservation
    req.appointment_at, req.appointment_place = slot.starts_at, _place(slot)
    req.save(
        update_fields=[
            "status",
            "invited_on",
            "reservation",
            "appointment_at",
            "appointment_place",
        ]
    )
    notify(req.person, "visa_appointment_invited", lines=lambda: invitation_lines(reservation))
    _audit(
        actor,
        "request_invited",
        req,
        category=req.category,
        reason=reason,
        ledger_seq=record.seq,
        reservation=reservation.reference,
        **extra,
    )


def request_invite(
    *, actor, request: HumanitarianRequest, slot: Slot | None
) -> HumanitarianRequest:
    """Invite a waiting request in turn (the first of its category) to a free slot of one of
    the member state's missions, which is reserved for it; the year's quota is checked by the
    ledger's rules. Out of turn: :func:`out_of_turn_propose`."""
    _require_worker(actor, request)
    with transaction.atomic():
        ledger = _locked_ledger(request.member_state_id)
        req = _lock_request(request)
        if req.status != RequestStatus.WAITING:
            raise InvalidState(_("Only a waiting request can be invited."))
        reservation = _reserve(actor, req, slot)
        _invite(actor, req, ledger, reservation=reservation, reason=None)
    return req


def out_of_turn_propose(
    *, actor, request: HumanitarianRequest, slot: Slot | None, reason: str
) -> OutOfTurnInvitation:
    """Propose inviting a request out of turn, with one of the policy's ``invitation``
    reasons; the slot is reserved while a second assigned officer confirms
    (:func:`out_of_turn_confirm`) and returned if the proposal is cancelled."""
    _require_worker(actor, request)
    policy = humanitarian_policy(request.member_state_id)
    if reason not in {r.code for r in policy.reasons["invitation"]}:
        raise InvalidInput(
            _("That reason is not one of the policy's reasons for this step."), field="reason"
        )
    with transaction.atomic():
        req = _lock_request(request)
        if req.status != RequestStatus.WAITING:
            raise InvalidState(_("Only a waiting request can be invited."))
        if req.out_of_turn.filter(status=ProposalStatus.PROPOSED).exists():
            raise StaleObject(_("Another invitation of this request is waiting for confirmation."))
        reservation = _reserve(actor, req, slot)
        try:
            with transaction.atomic():
                proposal = OutOfTurnInvitation.objects.create(
                    request=req,
                    reason=reason,
                    reservation=reservation,
                    appointment_at=reservation.slot.starts_at,
                    place=_place(reservation.slot),
                    proposed_by=actor,
                    proposed_at=timezone.now(),
                )
        except IntegrityError:
            raise StaleObject(
                _("Another invitation of this request is waiting for confirmation.")
            ) from None
        _audit(
            actor,
            "out_of_turn_proposed",
            req,
            reason=reason,
            proposal=proposal.pk,
            reservation=reservation.reference,
        )
    return proposal


def out_of_turn_confirm(*, actor, proposal: OutOfTurnInvitation) -> HumanitarianRequest:
    """A second assigned officer (never the proposer) confirms; the ledger records the
    invitation with its reason code."""
    if not access.can_confirm_out_of_turn(actor, proposal):
        raise NotAllowed(
            _("A second officer assigned to this request, not the one who proposed it, confirms.")
        )
    with transaction.atomic():
        ledger = _locked_ledger(proposal.request.member_state_id)
        proposal = _open(proposal, _("This invitation was already confirmed or cancelled."))
        req = _lock_request(proposal.request)
        reservation = proposal.reservation
        if reservation is None or not reservation.is_active:
            raise InvalidState(
                _("This proposal holds no slot: cancel it and propose the invitation again.")
            )
        if reservation.slot.starts_at <= timezone.now():
            raise InvalidState(
                _("The reserved slot has passed: cancel this proposal and choose another slot.")
            )
        _invite(
            actor,
            req,
            ledger,
            reservation=reservation,
            reason=proposal.reason,
            proposal=proposal.pk,
        )
        proposal.status, proposal.decided_by, proposal.decided_at = (
            ProposalStatus.CONFIRMED,
            actor,
            timezone.now(),
        )
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
    return req


def out_of_turn_cancel(*, actor, proposal: OutOfTurnInvitation) -> OutOfTurnInvitation:
    """The proposer withdraws it, or a second assigned officer turns it down."""
    _require_worker(actor, proposal.request)
    with transaction.atomic():
        proposal = _open(proposal, _("This invitation was already confirmed or cancelled."))
        proposal.status, proposal.decided_by, proposal.decided_at = (
            ProposalStatus.CANCELLED,
            actor,
            timezone.now(),
        )
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        _end_reservation(actor, proposal.reservation_id)
        _audit(actor, "out_of_turn_cancelled", proposal.request, proposal=proposal.pk)
    return proposal


def _close(req: HumanitarianRequest, status: str, *, actor, keep_until: date | None = None) -> None:
    """Close the request; its reservation ends (the name at the mission erased, a slot still
    ahead returned), and so do those of out-of-turn proposals still waiting, which lapse."""
    _end_reservation(actor, req.reservation_id)
    for proposal in req.out_of_turn.select_for_update().filter(status=ProposalStatus.PROPOSED):
        proposal.status, proposal.decided_at = ProposalStatus.CANCELLED, timezone.now()
        proposal.save(update_fields=["status", "decided_at"])
        _end_reservation(actor, proposal.reservation_id)
    on = today()
    retention = humanitarian_policy(req.member_state_id).retention_days
    erase_on = on + timedelta(days=retention)
    if keep_until is not None:
        erase_on = max(erase_on, keep_until + timedelta(days=retention))
    req.status, req.closed_on, req.erase_on = status, on, erase_on
    req.save(update_fields=["status", "closed_on", "erase_on"])


def _seal_reasons(decision: HumanitarianDecision, req: HumanitarianRequest, reasons: str) -> None:
    key_id, nonce, data = crypto.seal(
        reasons, member_state=req.member_state_id, entry_id=req.entry_id, purpose=REASONS
    )
    DecisionReasons.objects.create(
        decision=decision, key_id=key_id, nonce=nonce, ciphertext=data, created_at=timezone.now()
    )


def _clean_reasons(reasons: str) -> str:
    reasons = (reasons or "").strip()
    if not reasons:
        raise InvalidInput(_("Give the reasons for the decision."), field="reasons")
    if len(reasons) > REASONS_MAX:
        raise InvalidInput(
            _("The reasons are longer than %(n)d characters.") % {"n": REASONS_MAX},
            field="reasons",
        )
    return reasons


def decision_grant(*, actor, request: HumanitarianRequest, reasons: str) -> HumanitarianDecision:
    """An assigned officer grants the visa after the appointment."""
    _require_worker(actor, request)
    reasons = _clean_reasons(reasons)
    with transaction.atomic():
        ledger = _locked_ledger(request.member_state_id)
        req = _lock_request(request)
        if req.status != RequestStatus.INVITED:
            raise InvalidState(_("Only an invited request can be decided."))
        record = _ledger_append(
            ledger, Event.decision(req.entry_id, on=today(), category=req.category)
        )
        now = timezone.now()
        decision = HumanitarianDecision.objects.create(
            request=req,
            outcome=Outcome.GRANT,
            status=ProposalStatus.CONFIRMED,
            proposed_by=actor,
            proposed_at=now,
            decided_by=actor,
            decided_at=now,
        )
        _seal_reasons(decision, req, reasons)
        _close(req, RequestStatus.GRANTED, actor=actor)
        _audit(actor, "visa_granted", req, decision=decision.pk, ledger_seq=record.seq)
    return decision


def refusal_propose(*, actor, request: HumanitarianRequest, reasons: str) -> HumanitarianDecision:
    """An assigned officer proposes a refusal with reasons; a second one confirms it."""
    _require_worker(actor, request)
    reasons = _clean_reasons(reasons)
    with transaction.atomic():
        req = _lock_request(request)
        if req.status != RequestStatus.INVITED:
            raise InvalidState(_("Only an invited request can be decided."))
        decision = HumanitarianDecision.objects.create(
            request=req,
            outcome=Outcome.REFUSE,
            status=ProposalStatus.PROPOSED,
            proposed_by=actor,
            proposed_at=timezone.now(),
        )
        _seal_reasons(decision, req, reasons)
        req.status = RequestStatus.REFUSAL_PROPOSED
        req.save(update_fields=["status"])
        _audit(actor, "refusal_proposed", req, decision=decision.pk)
    return decision


def refusal_confirm(*, actor, decision: HumanitarianDecision) -> HumanitarianDecision:
    """A second assigned officer confirms the refusal; the appeal period starts."""
    if not access.can_confirm_humanitarian_refusal(actor, decision):
        raise NotAllowed(
            _("A second officer assigned to this request, not the one who proposed it, confirms.")
        )
    with transaction.atomic():
        ledger = _locked_ledger(decision.request.member_state_id)
        decision = _open(
            decision, _("This refusal was already confirmed or returned."), "request__member_state"
        )
        req = _lock_request(decision.request)
        record = _ledger_append(
            ledger, Event.decision(req.entry_id, on=today(), category=req.category)
        )
        appeal_until = today() + timedelta(days=decision.request.member_state.appeal_days)
        decision.status, decision.decided_by, decision.decided_at = (
            ProposalStatus.CONFIRMED,
            actor,
            timezone.now(),
        )
        decision.appeal_until = appeal_until
        decision.save(update_fields=["status", "decided_by", "decided_at", "appeal_until"])
        _close(req, RequestStatus.REFUSED, actor=actor, keep_until=appeal_until)
        _audit(actor, "visa_refused", req, decision=decision.pk, ledger_seq=record.seq)
    return decision


def refusal_return(*, actor, decision: HumanitarianDecision) -> HumanitarianDecision:
    """A second assigned officer does not confirm: the request is invited again, undecided."""
    if not access.can_confirm_humanitarian_refusal(actor, decision):
        raise NotAllowed(
            _("A second officer assigned to this request, not the one who proposed it, confirms.")
        )
    with transaction.atomic():
        decision = _open(
            decision, _("This refusal was already confirmed or returned."), "request__member_state"
        )
        req = _lock_request(decision.request)
        decision.status, decision.decided_by, decision.decided_at = (
            ProposalStatus.CANCELLED,
            actor,
            timezone.now(),
        )
        decision.save(update_fields=["status", "decided_by", "decided_at"])
        req.status = RequestStatus.INVITED
        req.save(update_fields=["status"])
        _audit(actor, "refusal_returned", req, decision=decision.pk)
    return decision


def request_withdraw(*, actor, request: HumanitarianRequest) -> HumanitarianRequest:
    """The person withdraws their request (no reason is asked or recorded)."""
    if not access.can_withdraw_request(actor, request):
        raise NotAllowed(_("Only the person who made the request can withdraw it."))
    with transaction.atomic():
        ledger = _locked_ledger(request.member_state_id)
        req = _lock_request(request)
        if req.status not in (
            RequestStatus.REGISTERED,
            RequestStatus.WAITING,
            RequestStatus.INVITED,
        ):
            raise InvalidState(_("This request can no longer be withdrawn."))
        record = _ledger_append(
            ledger, Event.withdrawal(req.entry_id, on=today(), category=req.category or None)
        )
        _close(req, RequestStatus.WITHDRAWN, actor=None)
        _audit(actor, "request_withdrawn", req, ledger_seq=record.seq)
    return req


def request_remove(*, actor, request: HumanitarianRequest, reason: str) -> HumanitarianRequest:
    """An assigned officer removes an open request with one of the policy's removal reasons."""
    _require_worker(actor, request)
    policy = humanitarian_policy(request.member_state_id)
    if reason not in {r.code for r in policy.reasons["removal"]}:
        raise InvalidInput(_("Choose the reason for the removal."), field="reason")
    with transaction.atomic():
        ledger = _locked_ledger(request.member_state_id)
        req = _lock_request(request)
        if req.status not in (
            RequestStatus.REGISTERED,
            RequestStatus.WAITING,
            RequestStatus.INVITED,
        ):
            raise InvalidState(_("This request is closed or has a decision pending."))
        record = _ledger_append(
            ledger,
            Event.removal(req.entry_id, on=today(), category=req.category or None, reason=reason),
        )
        _close(req, RequestStatus.REMOVED, actor=actor)
        _audit(actor, "request_removed", req, reason=reason, ledger_seq=record.seq)
    return req


# --- retention ---------------------------------------------------------------------------------


def requests_erase_expired(*, on: date | None = None) -> int:
    """Erase the personal data of closed requests whose retention ended: grounds, travellers
    and decisions' reasons. The request row keeps only what the ledger already publishes."""
    on = on or today()
    due = HumanitarianRequest.objects.filter(erase_on__lte=on, erased_at__isnull=True).exclude(
        status__in=OPEN_STATUSES
    )
    erased = 0
    for request in due.order_by("id").iterator():
        with transaction.atomic():
            req = _lock_request(request)
            if req.erased_at is not None:
                continue
            SealedGrounds.objects.filter(request=req).delete()
            Traveller.objects.filter(request=req).delete()
            DecisionReasons.objects.filter(decision__request=req).delete()
            req.erased_at = timezone.now()
            req.save(update_fields=["erased_at"])
            _audit(None, "personal_data_erased", req, closed_on=req.closed_on.isoformat())
            erased += 1
    return erased


# --- accredited organisations --------------------------------------------------------------


def referring_organisation_decide(
    *, actor, organisation: ReferringOrganisation, approve: bool
) -> ReferringOrganisation:
    if not access.can_approve_referring_organisations(actor):
        raise NotAllowed(_("Only programme admins approve or suspend organisations."))
    with transaction.atomic():
        org = ReferringOrganisation.objects.select_for_update().get(pk=organisation.pk)
        org.status = OrganisationStatus.APPROVED if approve else OrganisationStatus.SUSPENDED
        org.decided_at, org.decided_by = timezone.now(), actor
        org.save(update_fields=["status", "decided_at", "decided_by"])
        audit_record(
            actor=actor,
            action="humanitarian.organisation_" + ("approved" if approve else "suspended"),
            obj=org,
            member_state=org.country_id,
            data={"organisation": org.pk},
        )
    return org


def _clean_organisation(*, name: str, country: str, registration_number: str) -> dict[str, str]:
    name, number = " ".join((name or "").split()), " ".join((registration_number or "").split())
    if not name or len(name) > 160:
        raise InvalidInput(_("Give the organisation's name."), field="name")
    if not number or len(number) > 64:
        raise InvalidInput(_("Give the organisation's registration number."), field="number")
    try:
        humanitarian_policy(country)
    except InvalidInput:
        raise InvalidInput(
            _("Choose a member state that runs a humanitarian-visa waiting list."),
            field="country",
        ) from None
    return {"name": name, "country": country, "registration_number": number}


def referring_organisation_register(
    *, actor, name: str, country: str, registration_number: str
) -> ReferringOrganisation:
    """Programme staff register an organisation (pending until approved)."""
    if not access.can_approve_referring_organisations(actor):
        raise NotAllowed(_("Only programme admins register accredited organisations."))
    details = _clean_organisation(
        name=name, country=country, registration_number=registration_number
    )
    with transaction.atomic():
        org = ReferringOrganisation.objects.create(
            name=details["name"],
            country_id=details["country"],
            registration_number=details["registration_number"],
        )
        audit_record(
            actor=actor,
            action="humanitarian.organisation_registered",
            obj=org,
            member_state=country,
            data={"organisation": org.pk},
        )
    return org


def organisation_apply_request(
    *, email: str, name: str, country: str, registration_number: str, language: str = "en"
) -> None:
    """An NGO asks to be accredited: its details are checked and an e-mail is enqueued.

    As for verifiers, the same task is enqueued whatever the address (no oracle): a link that
    finishes the application (:func:`organisation_apply`) to a new address, a note to one that
    has an account. Nothing is written until the link is opened.
    """
    details = _clean_organisation(
        name=name, country=country, registration_number=registration_number
    )
    send_referrer_signup_email.enqueue(email.strip().lower(), details, language)


def organisation_apply(
    *,
    email: str,
    password: str,
    name: str,
    country: str,
    registration_number: str,
    language: str = "en",
):
    """The NGO's account (a referrer) and its organisation, pending until programme staff
    approve it. Called from the e-mailed link (the address is proven); raises AccountExists
    when the address has an account by then."""
    details = _clean_organisation(
        name=name, country=country, registration_number=registration_number
    )
    with transaction.atomic():
        user = account_create(
            email=email.strip().lower(),
            password=password,
            role=Role.REFERRER,
            member_state_id=details["country"],
            preferred_language=language,
        )
        org = ReferringOrganisation.objects.create(
            name=details["name"],
            country_id=details["country"],
            registration_number=details["registration_number"],
        )
        ReferrerMembership.objects.create(user=user, organisation=org)
        audit_record(
            actor=user,
            action="humanitarian.organisation_applied",
            obj=org,
            member_state=details["country"],
            data={"organisation": org.pk},
        )
    return user


def referrer_add(*, actor, organisation: ReferringOrganisation, user):
    """Programme staff make an existing account a referrer of the organisation."""

    if not access.can_approve_referring_organisations(actor):
        raise NotAllowed(_("Only programme admins add people to accredited organisations."))
    with transaction.atomic():
        user.role, user.member_state_id = Role.REFERRER, organisation.country_id
        user.save(update_fields=["role", "member_state"])
        membership = ReferrerMembership.objects.create(user=user, organisation=organisation)
        audit_record(
            actor=actor,
            action="humanitarian.referrer_added",
            obj=organisation,
            member_state=organisation.country_id,
            data={"organisation": organisation.pk, "user": user.pk},
        )
    return membership
