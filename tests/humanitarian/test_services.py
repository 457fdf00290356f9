"""The humanitarian route's services: registration, sealed grounds, triage, four eyes, the
ledger in the same transaction, invitations, decisions, withdrawal, retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from tests.humanitarian.conftest import GROUNDS_TEXT, travellers

from relocard.audit.models import AuditEvent
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed, StaleObject
from relocard.core.waitlist import verify_ledger
from relocard.humanitarian import crypto, selectors
from relocard.humanitarian import services as hs
from relocard.humanitarian.models import (
    AssignmentProposal,
    DecisionReasons,
    HumanitarianRequest,
    LedgerRecord,
    SealedGrounds,
    Traveller,
)

pytestmark = pytest.mark.django_db


def later(days: int = 3):
    return timezone.now() + timedelta(days=days)


def test_a_request_is_registered_with_sealed_grounds_and_a_ledger_record(make_request):
    request = make_request(n=3)
    assert request.status == "registered" and request.channel == "online"
    assert request.travellers.count() == 3
    events = list(LedgerRecord.objects.filter(member_state_id="FR").values_list("event", "entry"))
    assert events == [("policy", None), ("registration", request.entry_id)]
    assert request.registration_hash == LedgerRecord.objects.get(seq=2).hash
    sealed = SealedGrounds.objects.get(request=request)
    assert GROUNDS_TEXT.encode() not in bytes(sealed.ciphertext)
    with connection.cursor() as cursor:  # nowhere in the table in clear
        cursor.execute("SELECT * FROM humanitarian_sealedgrounds")
        assert "anti-war" not in repr(cursor.fetchall())
    event = AuditEvent.objects.get(action="humanitarian.request_registered")
    assert event.data["entry"] == request.entry_id and event.data["travellers"] == 3
    assert "Petrova" not in repr(event.data) and "anti-war" not in repr(event.data)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"consent": False}, "consent"),
        ({"grounds": "   "}, "grounds"),
        ({"member_state": "IT"}, "member_state"),
        ({"visa_kind": "tourist"}, "visa_kind"),
        ({"travellers": []}, "travellers"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(make_user, change, field):
    person = make_user()
    data = {
        "member_state": "FR",
        "visa_kind": "national",
        "grounds": GROUNDS_TEXT,
        "travellers": travellers(),
        "consent": True,
        **change,
    }
    with pytest.raises(InvalidInput) as info:
        hs.request_submit(actor=person, **data)
    assert info.value.field == field
    assert not HumanitarianRequest.objects.exists() and not LedgerRecord.objects.exists()


def test_only_people_with_a_personal_account_ask(staff):
    with pytest.raises(NotAllowed):
        hs.request_submit(
            actor=staff["caseworker"],
            member_state="FR",
            visa_kind="national",
            grounds=GROUNDS_TEXT,
            travellers=travellers(),
            consent=True,
        )


def test_only_assigned_officers_read_the_grounds_and_every_read_is_audited(make_request, officers):
    request = make_request()
    view = selectors.request_sensitive(actor=officers["a"], request=request)
    assert view.grounds == GROUNDS_TEXT and len(view.travellers) == 1
    reads = AuditEvent.objects.filter(action="humanitarian.grounds_read")
    assert reads.count() == 1 and reads.get().actor_id == officers["a"].pk
    for outsider in (officers["c"], officers["de"]):
        with pytest.raises(NotAllowed):
            selectors.request_sensitive(actor=outsider, request=request)
    assert reads.count() == 1


def test_sealed_grounds_are_bound_to_their_request(make_request, officers):
    first, second = make_request(), make_request()
    a = SealedGrounds.objects.get(request=first)
    SealedGrounds.objects.filter(request=second).update(
        key_id=a.key_id, nonce=a.nonce, ciphertext=a.ciphertext
    )
    second.refresh_from_db()
    with pytest.raises(crypto.SealError):
        selectors.request_sensitive(actor=officers["a"], request=second)


def test_assignment_stays_within_the_member_state(make_request, officers, staff):
    request = make_request(assign=False)
    for actor, officer in [
        (officers["de"], officers["de"]),
        (officers["a"], officers["de"]),
        (officers["a"], staff["caseworker"]),
        (staff["supervisor"], officers["a"]),
    ]:
        with pytest.raises(NotAllowed):
            hs.assignment_propose(actor=actor, request=request, officer=officer)
    proposal = hs.assignment_propose(actor=officers["a"], request=request, officer=officers["a"])
    with pytest.raises(StaleObject):
        hs.assignment_propose(actor=officers["b"], request=request, officer=officers["a"])
    with pytest.raises(NotAllowed):
        hs.assignment_confirm(actor=officers["de"], proposal=proposal)
    hs.assignment_confirm(actor=officers["b"], proposal=proposal)
    with pytest.raises(InvalidState):
        hs.assignment_propose(actor=officers["a"], request=request, officer=officers["a"])


def test_no_officer_gives_themself_access_to_the_grounds_alone(make_request, officers):
    """Self-assignment is a proposal: the grounds stay closed until a second officer of the
    member state confirms it, and the proposer can never confirm their own proposal."""
    request = make_request(assign=False)
    proposal = hs.assignment_propose(actor=officers["a"], request=request, officer=officers["a"])
    assert not access.can_read_grounds(officers["a"], request)
    with pytest.raises(NotAllowed):
        hs.assignment_confirm(actor=officers["a"], proposal=proposal)
    assert not access.can_read_grounds(officers["a"], request)
    hs.assignment_confirm(actor=officers["b"], proposal=proposal)
    assert access.can_read_grounds(officers["a"], request)
    assert not access.can_read_grounds(officers["b"], request)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == ("confirmed", officers["b"])
    events = list(AuditEvent.objects.filter(action__startswith="humanitarian.assign"))
    assert [e.action for e in events] == ["humanitarian.assignment_proposed"]
    assert AuditEvent.objects.filter(action="humanitarian.officer_assigned").count() == 1


def test_an_assignment_can_be_withdrawn_or_turned_down(make_request, officers):
    request = make_request(assign=False)
    proposal = hs.assignment_propose(actor=officers["a"], request=request, officer=officers["b"])
    hs.assignment_cancel(actor=officers["c"], proposal=proposal)
    with pytest.raises(InvalidState):
        hs.assignment_confirm(actor=officers["c"], proposal=proposal)
    assert not access.is_assigned(officers["b"], request)
    with pytest.raises(NotAllowed):
        hs.assignment_cancel(
            actor=officers["de"],
            proposal=hs.assignment_propose(
                actor=officers["a"], request=request, officer=officers["b"]
            ),
        )


def test_the_database_refuses_a_self_confirmed_assignment(make_request, officers):
    request = make_request(assign=False)
    proposal = hs.assignment_propose(actor=officers["a"], request=request, officer=officers["a"])
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentProposal.objects.filter(pk=proposal.pk).update(
            status="confirmed", decided_by=officers["a"]
        )


def test_triage_orders_by_registration_not_by_triage_day(make_request, officers):
    first, second = make_request(), make_request()
    hs.request_triage(actor=officers["a"], request=second, category="standard")
    hs.request_triage(actor=officers["a"], request=first, category="standard")
    assert selectors.request_standing(first).position.position == 1
    assert selectors.request_standing(second).position.position == 2
    with pytest.raises(InvalidState):
        hs.request_triage(actor=officers["a"], request=first, category="priority")
    with pytest.raises(NotAllowed):
        hs.request_triage(actor=officers["c"], request=make_request(), category="standard")


def test_a_move_needs_a_reason_and_a_second_officer(make_request, officers):
    request = make_request(triage="standard")
    with pytest.raises(InvalidInput):
        hs.move_propose(actor=officers["a"], request=request, category="priority", reason="")
    with pytest.raises(InvalidInput):
        hs.move_propose(
            actor=officers["a"], request=request, category="standard", reason="risk-increased"
        )
    move = hs.move_propose(
        actor=officers["a"], request=request, category="priority", reason="risk-increased"
    )
    assert not LedgerRecord.objects.filter(event="move").exists()
    for actor in (officers["a"], officers["c"], officers["de"]):  # proposer, unassigned, other
        with pytest.raises(NotAllowed):
            hs.move_confirm(actor=actor, move=move)
    hs.move_confirm(actor=officers["b"], move=move)
    request.refresh_from_db()
    assert request.category == "priority"
    record = LedgerRecord.objects.get(event="move")
    assert (record.entry, record.category, record.reason) == (
        request.entry_id,
        "priority",
        "risk-increased",
    )
    with pytest.raises(InvalidState):
        hs.move_confirm(actor=officers["b"], move=move)


def test_four_eyes_on_moves_is_symmetric_for_the_second_officer(make_request, officers):
    """Whoever proposes cannot confirm, whichever of the two assigned officers it is."""
    request = make_request(triage="standard")
    move = hs.move_propose(
        actor=officers["b"], request=request, category="immediate", reason="risk-increased"
    )
    with pytest.raises(NotAllowed):
        hs.move_confirm(actor=officers["b"], move=move)
    hs.move_confirm(actor=officers["a"], move=move)


def test_invitations_go_in_turn_unless_a_reason_is_given(make_request, officers, make_slot):
    first = make_request(triage="standard")
    second = make_request(triage="standard")
    before = LedgerRecord.objects.count()
    with pytest.raises(InvalidState, match="first in line"):
        hs.request_invite(actor=officers["a"], request=second, slot=make_slot())
    assert LedgerRecord.objects.count() == before
    second.refresh_from_db()
    assert second.status == "waiting"
    with pytest.raises(InvalidInput):
        hs.out_of_turn_propose(
            actor=officers["a"],
            request=second,
            slot=make_slot(),
            reason="no-such-reason",
        )
    # Out of turn: one officer proposes with a reason, a second one confirms.
    proposal = hs.out_of_turn_propose(
        actor=officers["a"],
        request=second,
        slot=make_slot(),
        reason="court-order",
    )
    assert LedgerRecord.objects.count() == before
    for actor in (officers["a"], officers["c"]):
        with pytest.raises(NotAllowed):
            hs.out_of_turn_confirm(actor=actor, proposal=proposal)
    hs.out_of_turn_confirm(actor=officers["b"], proposal=proposal)
    record = LedgerRecord.objects.get(event="invitation")
    assert (record.entry, record.reason) == (second.entry_id, "court-order")
    with pytest.raises(InvalidState):
        hs.out_of_turn_confirm(actor=officers["b"], proposal=proposal)
    hs.request_invite(actor=officers["a"], request=first, slot=make_slot())
    first.refresh_from_db()
    assert first.status == "invited" and first.appointment_place == "Tbilisi, Krtsanisi 49"


def test_a_refusal_needs_a_second_officer_and_a_grant_does_not(make_request, officers, make_slot):
    refused, granted = make_request(triage="standard"), make_request(triage="standard")
    for request in (refused, granted):
        hs.request_invite(actor=officers["a"], request=request, slot=make_slot())
    decision = hs.refusal_propose(actor=officers["a"], request=refused, reasons="Not credible.")
    refused.refresh_from_db()
    assert refused.status == "refusal_proposed"
    assert not LedgerRecord.objects.filter(event="decision").exists()
    with pytest.raises(NotAllowed):
        hs.refusal_confirm(actor=officers["a"], decision=decision)
    hs.refusal_confirm(actor=officers["b"], decision=decision)
    refused.refresh_from_db()
    assert refused.status == "refused" and refused.erase_on is not None
    decision.refresh_from_db()
    assert decision.appeal_until == hs.today() + timedelta(days=30)
    hs.decision_grant(actor=officers["a"], request=granted, reasons="Danger established.")
    granted.refresh_from_db()
    assert granted.status == "granted"
    assert LedgerRecord.objects.filter(event="decision").count() == 2
    assert selectors.decision_reasons_for_person(actor=granted.person, request=granted) == (
        "Danger established."
    )
    assert AuditEvent.objects.filter(action="humanitarian.decision_read").count() == 1


def test_a_returned_refusal_leaves_the_request_invited(make_request, officers, make_slot):
    request = make_request(triage="standard")
    hs.request_invite(actor=officers["a"], request=request, slot=make_slot())
    decision = hs.refusal_propose(actor=officers["b"], request=request, reasons="Doubt.")
    hs.refusal_return(actor=officers["a"], decision=decision)
    request.refresh_from_db()
    assert request.status == "invited"


def test_the_person_withdraws_and_nobody_else_can(make_request, make_user, officers):
    request = make_request(triage="priority")
    for actor in (make_user(), officers["a"]):
        with pytest.raises(NotAllowed):
            hs.request_withdraw(actor=actor, request=request)
    hs.request_withdraw(actor=request.person, request=request)
    request.refresh_from_db()
    assert request.status == "withdrawn"
    record = LedgerRecord.objects.get(event="withdrawal")
    assert (record.category, record.reason) == ("priority", None)
    with pytest.raises(InvalidState):
        hs.request_withdraw(actor=request.person, request=request)


def test_removal_needs_a_policy_reason(make_request, officers):
    request = make_request()
    with pytest.raises(InvalidInput):
        hs.request_remove(actor=officers["a"], request=request, reason="dislike")
    hs.request_remove(actor=officers["a"], request=request, reason="duplicate")
    assert LedgerRecord.objects.get(event="removal").reason == "duplicate"


def test_personal_data_is_erased_when_retention_ends(make_request, officers, make_slot):
    request = make_request(triage="standard")
    hs.request_invite(actor=officers["a"], request=request, slot=make_slot())
    hs.decision_grant(actor=officers["a"], request=request, reasons="Granted.")
    request.refresh_from_db()
    assert request.erase_on == hs.today() + timedelta(days=180)  # the policy's retention
    assert hs.requests_erase_expired(on=request.erase_on - timedelta(days=1)) == 0
    assert hs.requests_erase_expired(on=request.erase_on) == 1
    assert not SealedGrounds.objects.exists() and not Traveller.objects.exists()
    assert not DecisionReasons.objects.exists()
    assert LedgerRecord.objects.filter(entry=request.entry_id).count() == 4  # the ledger stays
    assert AuditEvent.objects.filter(action="humanitarian.personal_data_erased").count() == 1


def test_the_stored_ledger_verifies_and_a_changed_record_does_not(
    make_request, officers, make_slot
):
    first, second = make_request(triage="standard"), make_request(triage="standard")
    hs.request_invite(actor=officers["a"], request=first, slot=make_slot())
    hs.request_withdraw(actor=second.person, request=second)
    document = selectors.ledger_document("FR")
    result = verify_ledger(document)
    assert result.ok and result.records == len(document["records"]) == 7
    document["records"][4]["category"] = "immediate"
    assert verify_ledger(document).problem.code == "hash-mismatch"


def test_an_organisation_refers_only_once_approved(make_user, staff):
    from relocard.accounts.models import Role

    admin = staff["programme_admin"]
    org = hs.referring_organisation_register(
        actor=admin, name="Help Desk", country="DE", registration_number="VR 1234"
    )
    referrer = make_user()
    hs.referrer_add(actor=admin, organisation=org, user=referrer)
    referrer.refresh_from_db()
    assert referrer.role == Role.REFERRER and referrer.member_state_id == "DE"
    data = {
        "visa_kind": "ltv",
        "grounds": GROUNDS_TEXT,
        "travellers": travellers(2),
        "consent": True,
    }
    with pytest.raises(NotAllowed):
        hs.request_refer(actor=referrer, **data)
    with pytest.raises(NotAllowed):
        hs.referring_organisation_decide(actor=staff["supervisor"], organisation=org, approve=True)
    hs.referring_organisation_decide(actor=admin, organisation=org, approve=True)
    request = hs.request_refer(actor=referrer, **data)
    assert (request.member_state_id, request.channel, request.organisation_id) == (
        "DE",
        "referral",
        org.pk,
    )
    assert request.person is None


def test_statistics_suppress_small_cells(make_request, officers):
    for _ in range(6):
        make_request(triage="standard")
    make_request(triage="priority")
    rows = {r.category: r for r in selectors.waitlist_statistics("FR")}
    assert rows["standard"].waiting.value == 6
    assert rows["priority"].waiting.suppressed
    assert rows["immediate"].waiting.value == 0
    assert rows["standard"].median_wait_days is None  # no invitations yet


def test_the_database_refuses_to_change_or_delete_ledger_records(settings, make_request):
    from django.db import DatabaseError, transaction

    make_request()
    if connection.vendor == "postgresql":
        guard_off = "SET LOCAL relocard.audit_purge = 'off'"
    else:
        settings.RELOCARD_AUDIT_PURGE_ALLOWED = False
        connection.connection.create_function("relocard_audit_locked", 0, lambda: 1)
        guard_off = None
    try:
        for statement in (
            "UPDATE humanitarian_ledgerrecord SET category = 'immediate'",
            "DELETE FROM humanitarian_ledgerrecord",
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                if guard_off:
                    cursor.execute(guard_off)
                cursor.execute(statement)
    finally:
        if connection.vendor == "sqlite":
            connection.connection.create_function("relocard_audit_locked", 0, lambda: 0)
    assert LedgerRecord.objects.count() == 2
