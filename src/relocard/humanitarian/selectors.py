"""Reads of the humanitarian route that are more than a get.

Reading a request's sealed parts (grounds, travellers, a decision's reasons) is itself audited:
:func:`request_sensitive` and :func:`decision_reasons_for_person` write one audit event per
read, in a transaction, before they hand anything out.
"""

from __future__ import annotations

import statistics as stats
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from relocard.audit.services import audit_record
from relocard.common import access
from relocard.common.errors import NotAllowed
from relocard.core.waitlist import (
    FORMAT,
    HumanitarianPolicyError,
    Ledger,
    Position,
    WaitEstimate,
    estimate_wait,
    load_humanitarian_policy,
    reviews_due,
)
from relocard.humanitarian import crypto
from relocard.humanitarian.models import (
    AssignmentProposal,
    CategoryMove,
    HumanitarianDecision,
    HumanitarianRequest,
    LedgerRecord,
    OutOfTurnInvitation,
    ProposalStatus,
    RequestStatus,
    Traveller,
)
from relocard.humanitarian.services import (
    GROUNDS,
    REASONS,
    humanitarian_policy,
    row_json,
    stored_records,
    today,
)
from relocard.reference.models import MemberState

#: Published counts below this are shown as "fewer than 5" (small-cell suppression).
MIN_CELL = 5


def ledger_document(member_state: str) -> dict:
    """The member state's public ledger document (``relocard waitlist verify`` reads it)."""
    rows = LedgerRecord.objects.filter(member_state_id=member_state).order_by("seq")
    return {"format": FORMAT, "member_state": member_state, "records": [row_json(r) for r in rows]}


def ledger_member_states() -> list[str]:
    """The member states whose policy has a humanitarian route (launch states today)."""

    codes = []
    for code in MemberState.objects.order_by("code").values_list("code", flat=True):
        try:
            load_humanitarian_policy(code)
        except HumanitarianPolicyError:
            continue
        codes.append(code)
    return codes


def published_ledger(member_state: str, *, on: date | None = None) -> dict:
    """The ledger as the public address serves it: the records of the days that have ended
    (before today, UTC), so that someone polling learns the day of an event, never its time."""
    on = on or today()
    rows = LedgerRecord.objects.filter(member_state_id=member_state, date__lt=on).order_by("seq")
    return {"format": FORMAT, "member_state": member_state, "records": [row_json(r) for r in rows]}


def ledger(member_state: str) -> Ledger:
    return Ledger.from_records(member_state, stored_records(member_state), rehash=False)


@dataclass(frozen=True)
class Standing:
    """Where a request stands on the list, and an honest estimate of its wait."""

    position: Position | None
    estimate: WaitEstimate | None
    registration_seq: int | None


def request_standing(request: HumanitarianRequest, *, on: date | None = None) -> Standing:
    on = on or today()
    book = ledger(request.member_state_id)
    state = book.state.entry(request.entry_id)
    position = book.state.position(request.entry_id)
    estimate = estimate_wait(book.state, request.entry_id, on=on) if position else None
    return Standing(position, estimate, state.registered_seq if state else None)


@dataclass(frozen=True)
class SensitiveView:
    grounds: str | None  # None once erased
    travellers: list[Traveller]
    decision_reasons: dict[int, str]


def request_sensitive(*, actor, request: HumanitarianRequest) -> SensitiveView:
    """The grounds, travellers and decision reasons, for an assigned officer; audited."""
    if not access.can_read_grounds(actor, request):
        raise NotAllowed(_("Only the officers assigned to this request can read its grounds."))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="humanitarian.grounds_read",
            obj=request,
            member_state=request.member_state_id,
            data={"entry": request.entry_id},
        )
        sealed = getattr(request, "grounds", None)
        grounds = None
        if sealed is not None:
            grounds = crypto.open_sealed(
                key_id=sealed.key_id,
                nonce=sealed.nonce,
                ciphertext=sealed.ciphertext,
                member_state=request.member_state_id,
                entry_id=request.entry_id,
                purpose=GROUNDS,
            )
        reasons = {
            d.pk: _open_reasons(d)
            for d in request.decisions.select_related("reasons").all()
            if hasattr(d, "reasons")
        }
        return SensitiveView(grounds, list(request.travellers.all()), reasons)


def _open_reasons(decision: HumanitarianDecision) -> str:
    sealed = decision.reasons
    return crypto.open_sealed(
        key_id=sealed.key_id,
        nonce=sealed.nonce,
        ciphertext=sealed.ciphertext,
        member_state=decision.request.member_state_id,
        entry_id=decision.request.entry_id,
        purpose=REASONS,
    )


def final_decision(request: HumanitarianRequest) -> HumanitarianDecision | None:
    return (
        request.decisions.filter(status=ProposalStatus.CONFIRMED).select_related("request").first()
    )


def decision_reasons_for_person(*, actor, request: HumanitarianRequest) -> str | None:
    """The reasons of the final decision, for the person who asked; audited."""
    if not access.can_withdraw_request(actor, request):  # the person themselves
        raise NotAllowed(_("Only the person who made the request can read its decision."))
    decision = final_decision(request)
    if decision is None or not hasattr(decision, "reasons"):
        return None
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="humanitarian.decision_read",
            obj=request,
            member_state=request.member_state_id,
            data={"entry": request.entry_id, "decision": decision.pk},
        )
        return _open_reasons(decision)


@dataclass(frozen=True)
class DoorCheckIn:
    """The mission's check-in of the request's reserved slot, as the humanitarian officer
    reads it: when, and where (the time shown in the mission's time zone)."""

    at: datetime
    time_zone: str
    place: str


def door_check_in(request: HumanitarianRequest) -> DoorCheckIn | None:
    """Whether the person was checked in at the mission's door for the request's reserved
    slot (read from the consular reservation; the consular side never reads the request)."""
    reservation = request.reservation
    if reservation is None or reservation.checked_in_at is None:
        return None
    mission = reservation.slot.mission
    return DoorCheckIn(
        at=reservation.checked_in_at,
        time_zone=mission.time_zone,
        place=f"{mission.get_kind_display()}, {mission.city}",
    )


def open_move(request: HumanitarianRequest) -> CategoryMove | None:
    return request.moves.filter(status=ProposalStatus.PROPOSED).first()


def open_out_of_turn(request: HumanitarianRequest):
    return request.out_of_turn.filter(status=ProposalStatus.PROPOSED).first()


def open_refusal(request: HumanitarianRequest) -> HumanitarianDecision | None:
    return request.decisions.filter(status=ProposalStatus.PROPOSED).first()


@dataclass(frozen=True)
class QueueRow:
    request: HumanitarianRequest
    travellers: int
    assigned_to_me: bool
    position: Position | None


def officer_queue(*, actor, status: str | None = None) -> list[QueueRow]:
    """The requests of the officer's member state: no names, no grounds; two queries."""
    qs = (
        access.humanitarian_requests(actor)
        .annotate(
            n_travellers=Count("travellers", distinct=True),
            mine=Count("assignments", filter=Q(assignments__officer_id=actor.pk), distinct=True),
        )
        .order_by("registered_on", "id")
    )
    if status:
        qs = qs.filter(status=status)
    rows = list(qs)
    if not rows:
        return []
    state = ledger(actor.member_state_id).state
    return [QueueRow(r, r.n_travellers, bool(r.mine), state.position(r.entry_id)) for r in rows]


def next_in_line(member_state: str) -> dict[str, str]:
    """The first waiting entry of each category (invited next when in turn)."""
    state = ledger(member_state).state
    policy = humanitarian_policy(member_state)
    out = {}
    for category in policy.categories:
        queue = state.queue(category.code)
        if queue:
            out[category.code] = queue[0]
    return out


def due_for_review(member_state: str):
    return reviews_due(ledger(member_state).state, on=today())


# --- statistics --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A published count: ``value`` is None when suppressed (1 to 4)."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None


def _cell(n: int) -> Cell:
    return Cell(n if n == 0 or n >= MIN_CELL else None)


@dataclass(frozen=True)
class CategoryStatistics:
    category: str
    waiting: Cell
    invited: Cell
    decided: Cell
    median_wait_days: int | None  # from registration to invitation; None below MIN_CELL

    @property
    def counts(self) -> tuple[Cell, Cell, Cell]:
        return (self.waiting, self.invited, self.decided)


def waitlist_statistics(member_state: str, *, year: int | None = None) -> list[CategoryStatistics]:
    """Per category: list length, invitations and decisions this year, median wait to
    invitation. Counts from 1 to 4 are suppressed; no median from fewer than 5 invitations.
    Computed from the public ledger, so they reveal nothing it does not."""
    year = year or today().year
    book = ledger(member_state)
    policy = humanitarian_policy(member_state)
    registered: dict[str, date] = {}
    invited_waits: dict[str, list[int]] = {}
    invited: dict[str, int] = {}
    decided: dict[str, int] = {}
    for record in book.records:
        event = record.event
        kind = event.type.value
        if kind == "registration":
            registered[event.entry] = event.on
        elif kind == "invitation" and event.on.year == year:
            invited[event.category] = invited.get(event.category, 0) + 1
            invited_waits.setdefault(event.category, []).append(
                (event.on - registered[event.entry]).days
            )
        elif kind == "decision" and event.on.year == year:
            decided[event.category] = decided.get(event.category, 0) + 1
    out = []
    for category in policy.categories:
        code = category.code
        waits = invited_waits.get(code, [])
        out.append(
            CategoryStatistics(
                code,
                _cell(len(book.state.queue(code))),
                _cell(invited.get(code, 0)),
                _cell(decided.get(code, 0)),
                int(stats.median(waits)) if len(waits) >= MIN_CELL else None,
            )
        )
    return out


def awaiting_triage(member_state: str) -> Cell:
    return _cell(
        HumanitarianRequest.objects.filter(
            member_state_id=member_state, status=RequestStatus.REGISTERED
        ).count()
    )


def _pk(value) -> int | None:
    """A primary key from a form's hidden field, or None when it is not one."""
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def open_assignments(request: HumanitarianRequest) -> list[AssignmentProposal]:
    """The assignments of this request waiting for a second officer, oldest first."""
    return list(
        request.assignment_proposals.filter(status=ProposalStatus.PROPOSED)
        .select_related("officer", "proposed_by")
        .order_by("id")
    )


def assignment_of(request: HumanitarianRequest, pk) -> AssignmentProposal | None:
    """A proposed assignment of this request, or None."""
    found = _pk(pk)
    if found is None:
        return None
    return AssignmentProposal.objects.filter(request=request, pk=found).first()


def move_of(request: HumanitarianRequest, pk) -> CategoryMove | None:
    """A proposed move of this request (None for any other id, or one that is not an id)."""
    found = _pk(pk)
    return None if found is None else CategoryMove.objects.filter(request=request, pk=found).first()


def out_of_turn_of(request: HumanitarianRequest, pk) -> OutOfTurnInvitation | None:
    """A proposed out-of-turn invitation of this request, or None."""
    found = _pk(pk)
    if found is None:
        return None
    return OutOfTurnInvitation.objects.filter(request=request, pk=found).first()


def decision_of(request: HumanitarianRequest, pk) -> HumanitarianDecision | None:
    """A decision on this request, or None."""
    found = _pk(pk)
    if found is None:
        return None
    return HumanitarianDecision.objects.filter(request=request, pk=found).first()
