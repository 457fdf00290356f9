"""Slots reserved outside the draws (for the humanitarian route's invitations): one locked
allocation path with the draw, no double booking, ending returns the slot, and the mission
sees only the slot, a reference and the name to check at the door."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from tests.conftest import race
from tests.consular.conftest import close_and_draw

from relocard.accounts.models import Role
from relocard.audit.models import AuditEvent
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed, RelocardError
from relocard.consular import selectors
from relocard.consular import services as cs
from relocard.consular.models import Slot, SlotReservation

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_fr(make_user):
    return make_user(Role.HUMANITARIAN_OFFICER, "FR")


def _slots(window):
    return list(Slot.objects.filter(mission=window.mission).order_by("code"))


def test_a_reserved_slot_is_never_drawn_and_ending_returns_it(window, registered, officer_fr):
    slots = _slots(window)
    reserved = [
        cs.slot_reserve(actor=officer_fr, slot=s, name="Petrova, Olga", travellers=2)
        for s in slots[:2]
    ]
    entries = [registered() for _ in range(3)]
    close_and_draw(window)
    offered = [e for e in entries if (e.refresh_from_db() or e.status == "offered")]
    assert [e.slot for e in offered] == [slots[2]]  # the one slot not reserved
    ended = cs.slot_reservation_end(actor=officer_fr, reservation=reserved[0])
    assert ended.ended_at is not None and ended.name == ""
    assert slots[0] in selectors.reservable_slots("FR")
    assert slots[1] not in selectors.reservable_slots("FR")
    # ending twice changes nothing more
    assert cs.slot_reservation_end(actor=officer_fr, reservation=ended).ended_at == ended.ended_at
    actions = AuditEvent.objects.filter(action__startswith="consular.slot_").values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["consular.slot_reservation_ended"] + ["consular.slot_reserved"] * 2


def test_a_slot_is_reserved_once_and_never_when_an_appointment_holds_it(
    window, registered, officer_fr
):
    entry = registered()
    close_and_draw(window)
    entry.refresh_from_db()
    with pytest.raises(InvalidState, match="no longer free"):
        cs.slot_reserve(actor=officer_fr, slot=entry.slot, name="Petrova, Olga")
    free = next(s for s in _slots(window) if s != entry.slot)
    cs.slot_reserve(actor=officer_fr, slot=free, name="Petrova, Olga")
    with pytest.raises(InvalidState, match="no longer free"):
        cs.slot_reserve(actor=officer_fr, slot=free, name="Ivanov, Pavel")
    assert SlotReservation.objects.count() == 1


def test_only_a_humanitarian_officer_of_the_state_reserves(missions, window, make_user):
    slot = _slots(window)[0]
    for actor in (
        missions["officer"],  # the mission's own officers give slots only by the draw
        make_user(Role.HUMANITARIAN_OFFICER, "DE"),
        make_user(Role.CASEWORKER, "FR"),
        make_user(),
    ):
        with pytest.raises(NotAllowed):
            cs.slot_reserve(actor=actor, slot=slot, name="Petrova, Olga")
    assert not SlotReservation.objects.exists()


def test_bad_input_and_past_or_withdrawn_slots_are_refused(missions, window, officer_fr):
    slot = _slots(window)[0]
    with pytest.raises(InvalidInput):
        cs.slot_reserve(actor=officer_fr, slot=slot, name="   ")
    with pytest.raises(InvalidInput):
        cs.slot_reserve(actor=officer_fr, slot=slot, name="Petrova, Olga", travellers=0)
    past = Slot.objects.create(
        mission=missions["fr"],
        code="20200101T0900-01",
        starts_at=timezone.now() - timedelta(days=1),
        published_by=missions["officer"],
    )
    with pytest.raises(InvalidInput, match="passed"):
        cs.slot_reserve(actor=officer_fr, slot=past, name="Petrova, Olga")
    Slot.objects.filter(pk=slot.pk).update(withdrawn=True)
    with pytest.raises(InvalidState):
        cs.slot_reserve(actor=officer_fr, slot=slot, name="Petrova, Olga")
    assert not SlotReservation.objects.exists()


def test_the_mission_sees_the_slot_the_reference_and_the_name_only(
    client, missions, window, officer_fr
):
    slot = _slots(window)[0]
    reservation = cs.slot_reserve(actor=officer_fr, slot=slot, name="Petrova, Olga", travellers=3)
    day = missions["fr"].local(slot.starts_at).date().isoformat()
    url = reverse("consular:day", args=[missions["fr"].pk]) + f"?date={day}"
    client.force_login(missions["officer"])
    page = client.get(url).content.decode()
    assert reservation.reference in page and "Petrova, Olga" in page
    assert "humanitarian" not in page.lower()
    # another mission's officer reaches neither the page nor the reservation
    client.force_login(missions["officer_spb"])
    assert client.get(url).status_code == 404
    client.force_login(missions["officer_de"])
    assert client.get(url).status_code == 404
    # the slot counts as taken on the mission's page
    client.force_login(missions["officer"])
    assert (
        selectors.upcoming_slots(missions["fr"])[0][2] == 1  # one of the day's three slots is taken
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks and two connections"
)
def test_two_reservations_of_one_slot_at_once_give_it_once(window, officer_fr):
    slot = _slots(window)[0]
    outcomes = race(
        lambda: cs.slot_reserve(actor=officer_fr, slot=slot, name="Petrova, Olga"),
        lambda: cs.slot_reserve(actor=officer_fr, slot=slot, name="Ivanov, Pavel"),
    )
    failures = [o for o in outcomes if isinstance(o, RelocardError)]
    assert len(failures) == 1, outcomes
    assert SlotReservation.objects.filter(slot=slot).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks and two connections"
)
def test_a_draw_and_a_reservation_at_once_never_give_one_slot_twice(window, registered, officer_fr):
    slots = _slots(window)
    entries = [registered() for _ in range(len(slots))]
    at = window.closes_at + timedelta(minutes=1)
    draw = cs.draw_commit(actor=None, window=window, now=at)
    outcomes = race(
        lambda: cs.draw_perform(actor=None, draw=draw, now=at + cs.DRAW_DELAY),
        lambda: cs.slot_reserve(actor=officer_fr, slot=slots[0], name="Petrova, Olga"),
    )
    assert not isinstance(outcomes[0], RelocardError), outcomes
    reserved = SlotReservation.objects.filter(slot=slots[0]).exists()
    given = [e.slot_id for e in entries if (e.refresh_from_db() or e.slot_id)]
    assert len(given) == len(set(given))
    assert (slots[0].pk in given) != reserved  # drawn or reserved, never both
    assert isinstance(outcomes[1], RelocardError) == (not reserved)
