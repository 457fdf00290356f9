"""Invitations reserve a free slot of one of the member state's missions (issue 15): the slot
is taken once, returned when the invitation is withdrawn or cancelled, refused when it is of
another member state or in the past; the mission learns nothing of the request."""

from __future__ import annotations

import functools

import pytest
from django.db import connection
from tests.conftest import race

from relocard.audit.models import AuditEvent
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed, RelocardError
from relocard.consular.models import SlotReservation
from relocard.consular.selectors import reservable_slots
from relocard.humanitarian import services as hs
from relocard.humanitarian.models import LedgerRecord

pytestmark = pytest.mark.django_db


def test_an_invitation_reserves_the_slot_and_tells_the_mission_only_what_the_door_needs(
    make_request, officers, make_slot
):
    request = make_request(triage="standard", n=2)
    slot = make_slot()
    assert slot in reservable_slots("FR")
    hs.request_invite(actor=officers["a"], request=request, slot=slot)
    request.refresh_from_db()
    reservation = request.reservation
    assert reservation.slot == slot and reservation.is_active
    assert (reservation.name, reservation.travellers) == ("Petrova, Olga", 2)
    assert request.appointment_at == slot.starts_at
    assert slot not in reservable_slots("FR")
    # the reference shares nothing with the public entry id; the consular audit names no
    # entry, category or reason
    assert request.entry_id not in reservation.reference
    event = AuditEvent.objects.get(action="consular.slot_reserved")
    assert request.entry_id not in str(event.data) and "standard" not in str(event.data)
    assert LedgerRecord.objects.filter(event="invitation", entry=request.entry_id).exists()


def test_a_slot_is_given_to_one_invitation_only(make_request, officers, make_slot):
    first, second = make_request(triage="standard"), make_request(triage="priority")
    slot = make_slot()
    hs.request_invite(actor=officers["a"], request=first, slot=slot)
    before = LedgerRecord.objects.count()
    with pytest.raises(InvalidState, match="no longer free"):
        hs.request_invite(actor=officers["a"], request=second, slot=slot)
    second.refresh_from_db()
    assert second.status == "waiting" and second.reservation is None
    assert LedgerRecord.objects.count() == before
    with pytest.raises(InvalidState, match="no longer free"):
        hs.out_of_turn_propose(actor=officers["a"], request=second, slot=slot, reason="court-order")
    assert SlotReservation.objects.count() == 1


def test_a_slot_of_another_member_state_or_in_the_past_is_refused(
    make_request, officers, make_slot
):
    request = make_request(triage="standard")
    before = LedgerRecord.objects.count()
    with pytest.raises(InvalidInput, match="this member state"):
        hs.request_invite(actor=officers["a"], request=request, slot=make_slot("DE"))
    with pytest.raises(InvalidInput, match="passed"):
        hs.request_invite(actor=officers["a"], request=request, slot=make_slot(days=-1))
    with pytest.raises(InvalidInput, match="passed"):
        hs.request_invite(actor=officers["a"], request=request, slot=make_slot(days=0.01))
    with pytest.raises(InvalidInput):
        hs.request_invite(actor=officers["a"], request=request, slot=None)
    request.refresh_from_db()
    assert request.status == "waiting" and not SlotReservation.objects.exists()
    assert LedgerRecord.objects.count() == before


def test_only_an_assigned_officer_invites(make_request, officers, make_slot):
    request = make_request(triage="standard")
    for actor in (officers["c"], officers["de"]):
        with pytest.raises(NotAllowed):
            hs.request_invite(actor=actor, request=request, slot=make_slot())
    assert not SlotReservation.objects.exists()


@pytest.mark.parametrize("how", ["withdraw", "remove"])
def test_withdrawal_or_removal_returns_the_slot_and_erases_the_name(
    make_request, officers, make_slot, how
):
    request = make_request(triage="standard")
    slot = make_slot()
    hs.request_invite(actor=officers["a"], request=request, slot=slot)
    if how == "withdraw":
        hs.request_withdraw(actor=request.person, request=request)
    else:
        hs.request_remove(actor=officers["a"], request=request, reason="duplicate")
    request.refresh_from_db()
    reservation = request.reservation
    assert reservation.ended_at is not None and reservation.name == ""
    assert slot in reservable_slots("FR")
    # and the slot can be given again
    other = make_request(triage="standard")
    hs.request_invite(actor=officers["a"], request=other, slot=slot)


def test_a_cancelled_out_of_turn_proposal_returns_its_slot(make_request, officers, make_slot):
    make_request(triage="standard")
    second = make_request(triage="standard")
    slot = make_slot()
    proposal = hs.out_of_turn_propose(
        actor=officers["a"], request=second, slot=slot, reason="court-order"
    )
    assert proposal.reservation.slot == slot and slot not in reservable_slots("FR")
    hs.out_of_turn_cancel(actor=officers["b"], proposal=proposal)
    proposal.reservation.refresh_from_db()
    assert not proposal.reservation.is_active and slot in reservable_slots("FR")
    # confirmed: the request is invited to the reserved slot
    proposal = hs.out_of_turn_propose(
        actor=officers["a"], request=second, slot=slot, reason="court-order"
    )
    hs.out_of_turn_confirm(actor=officers["b"], proposal=proposal)
    second.refresh_from_db()
    assert second.status == "invited" and second.reservation == proposal.reservation


def test_withdrawing_while_an_out_of_turn_proposal_waits_returns_its_slot(
    make_request, officers, make_slot
):
    make_request(triage="standard")
    second = make_request(triage="standard")
    slot = make_slot()
    proposal = hs.out_of_turn_propose(
        actor=officers["a"], request=second, slot=slot, reason="court-order"
    )
    hs.request_withdraw(actor=second.person, request=second)
    proposal.refresh_from_db()
    assert proposal.status == "cancelled" and not proposal.reservation.is_active
    assert slot in reservable_slots("FR")


def test_a_decision_ends_the_reservation(make_request, officers, make_slot):
    request = make_request(triage="standard")
    hs.request_invite(actor=officers["a"], request=request, slot=make_slot())
    hs.decision_grant(actor=officers["a"], request=request, reasons="Granted.")
    request.refresh_from_db()
    assert request.reservation.ended_at is not None and request.reservation.name == ""


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks and two connections"
)
def test_two_invitations_to_one_slot_at_once_give_it_once(make_request, officers, make_slot):
    first, second = make_request(triage="standard"), make_request(triage="priority")
    slot = make_slot()

    outcomes = race(
        *(
            functools.partial(hs.request_invite, actor=officers["a"], request=r, slot=slot)
            for r in (first, second)
        )
    )
    failures = [o for o in outcomes if isinstance(o, RelocardError)]
    assert len(failures) == 1, outcomes
    assert SlotReservation.objects.filter(slot=slot).count() == 1
    assert LedgerRecord.objects.filter(event="invitation").count() == 1


def test_the_check_in_at_the_door_shows_on_the_request_and_nothing_of_it_reaches_consular(
    client, make_request, officers, make_slot, make_user
):
    from datetime import date, timedelta

    from django.urls import reverse
    from django.utils import timezone

    from relocard.accounts.models import Role
    from relocard.consular import services as cs
    from relocard.consular.models import MissionOfficer, Slot
    from relocard.core.identity import format_td3
    from relocard.humanitarian import selectors as hsel

    request = make_request(triage="standard")
    slot = make_slot()
    hs.request_invite(actor=officers["a"], request=request, slot=slot)
    request.refresh_from_db()
    assert hsel.door_check_in(request) is None
    page = reverse("humanitarian:request", args=[request.entry_id])
    client.force_login(officers["a"])
    assert 'id="door-check-in"' not in client.get(page).content.decode()

    # The day comes; the mission's officer checks the principal in with the passport's zone.
    Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now())
    door = make_user(Role.CONSULAR_OFFICER, "FR")
    MissionOfficer.objects.create(user=door, mission=slot.mission)
    zone = "\n".join(
        format_td3(
            surname="Petrova", given_names="Olga", document_number="752046118",
            nationality="RUS", birth_date=date(1988, 5, 1),
            expiry_date=date.today() + timedelta(days=900), sex="F",
        )
    )  # fmt: skip
    reservation = request.reservation
    result = cs.reservation_check_in(
        actor=door, reservation=reservation, reference=reservation.reference, mrz=zone
    )
    assert result.checked_in
    request.refresh_from_db()
    seen = hsel.door_check_in(request)
    assert seen is not None and seen.time_zone == "Asia/Tbilisi"
    assert seen.at == request.reservation.checked_in_at
    html = client.get(page).content.decode()
    assert 'id="door-check-in"' in html and "Checked in at the mission at" in html
    # the consular audit names the reservation, never the request, its category or grounds
    event = AuditEvent.objects.get(action="consular.reservation_checked_in")
    assert event.data["reference"] == reservation.reference
    assert request.entry_id not in str(event.data) and "standard" not in str(event.data)
    # the decision ends the reservation; the check-in stays on the request
    hs.decision_grant(actor=officers["a"], request=request, reasons="Granted.")
    request.refresh_from_db()
    assert hsel.door_check_in(request) is not None
