"""The check-in at the door for a reserved slot (an invitation outside the draws): the
reference from the invitation and the passport's zone, read by the same parser and compared by
the same comparison as appointments; only the mission's own officers; errors write nothing;
the audit names field names only."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from relocard.accounts.models import Role
from relocard.audit.models import AuditEvent
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.consular import services as cs
from relocard.consular.models import Slot, SlotReservation
from relocard.core.identity import format_td3

pytestmark = pytest.mark.django_db

EXPIRY = date.today() + timedelta(days=3 * 365)


def mrz(surname="PETROVA", given="OLGA", *, expiry=EXPIRY, birth=date(1980, 5, 17)) -> str:
    return "\n".join(
        format_td3(
            surname=surname, given_names=given, document_number="752046118",
            nationality="RUS", birth_date=birth, expiry_date=expiry, sex="F",
        )
    )  # fmt: skip


@pytest.fixture
def reserve(missions, window, make_user):
    """Reserve one of the window's slots as a humanitarian officer, then move it to now (the
    day of the visit)."""
    officer = make_user(Role.HUMANITARIAN_OFFICER, "FR")
    slots = iter(Slot.objects.filter(mission=window.mission).order_by("code"))

    def make(name="Petrova, Olga", *, today=True):
        slot = next(slots)
        reservation = cs.slot_reserve(actor=officer, slot=slot, name=name, travellers=2)
        if today:
            Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now())
        reservation.refresh_from_db()
        return reservation

    make.officer = officer
    return make


def _audits():
    return list(
        AuditEvent.objects.filter(action__startswith="consular.reservation_check")
        .order_by("id")
        .values_list("action", "data")
    )


def test_the_zone_that_names_the_person_checks_them_in(missions, reserve):
    reservation = reserve()
    result = cs.reservation_check_in(
        actor=missions["officer"], reservation=reservation,
        reference=reservation.reference.lower().replace("-", " - "), mrz=mrz(),
    )  # fmt: skip
    assert result.checked_in and result.problems == []
    reservation.refresh_from_db()
    assert reservation.checked_in_at is not None
    assert reservation.checked_in_by == missions["officer"]
    [(action, data)] = _audits()
    assert action == "consular.reservation_checked_in"
    assert data["reference"] == reservation.reference and data["differing"] == []


def test_a_cyrillic_name_is_compared_with_the_icao_transliteration(missions, reserve):
    reservation = reserve("Петрова, Ольга")
    result = cs.reservation_check_in(
        actor=missions["officer"], reservation=reservation, reference=reservation.reference,
        mrz=mrz(),
    )  # fmt: skip
    assert result.checked_in


def test_another_name_is_refused_with_the_differences_and_audited_without_values(missions, reserve):
    reservation = reserve()
    result = cs.reservation_check_in(
        actor=missions["officer"], reservation=reservation, reference=reservation.reference,
        mrz=mrz("IVANOVA", "OLGA"),
    )  # fmt: skip
    assert not result.checked_in
    assert result.differing == ["surname"]
    assert any("IVANOVA" in p for p in result.problems)
    reservation.refresh_from_db()
    assert reservation.checked_in_at is None
    [(action, data)] = _audits()
    assert action == "consular.reservation_check_in_refused"
    assert data["differing"] == ["surname"]
    text = json.dumps(data)
    assert "IVANOVA" not in text and "PETROVA" not in text.upper()


def test_an_expired_passport_or_a_failed_check_digit_is_refused(missions, reserve):
    reservation = reserve()
    expired = cs.reservation_check_in(
        actor=missions["officer"], reservation=reservation, reference=reservation.reference,
        mrz=mrz(expiry=date.today() - timedelta(days=1)),
    )  # fmt: skip
    assert not expired.checked_in and expired.expired
    assert "The passport has expired." in expired.problems
    line1, line2 = mrz().splitlines()
    broken = line2[:9] + ("1" if line2[9] != "1" else "2") + line2[10:]  # number's check digit
    bad = cs.reservation_check_in(
        actor=missions["officer"], reservation=reservation, reference=reservation.reference,
        mrz=f"{line1}\n{broken}",
    )  # fmt: skip
    assert not bad.checked_in and not bad.mrz_valid
    reservation.refresh_from_db()
    assert reservation.checked_in_at is None
    assert [a for a, _d in _audits()] == ["consular.reservation_check_in_refused"] * 2


@pytest.mark.parametrize(
    ("reference", "zone", "error", "field", "match"),
    [
        ("R-AAAAA-BBBBB", None, InvalidInput, "reference", "not the reference of this"),
        ("", None, InvalidInput, "reference", "Type the reference"),
        (None, "P<RUSPETROVA<<OLGA\nnot a zone", InvalidInput, "mrz", None),
        (None, "", InvalidInput, "mrz", None),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(
    missions, reserve, reference, zone, error, field, match
):
    reservation = reserve()
    with pytest.raises(error, match=match) as caught:
        cs.reservation_check_in(
            actor=missions["officer"], reservation=reservation,
            reference=reservation.reference if reference is None else reference,
            mrz=mrz() if zone is None else zone,
        )  # fmt: skip
    assert caught.value.field == field
    assert str(caught.value.message)
    reservation.refresh_from_db()
    assert reservation.checked_in_at is None and _audits() == []


def test_a_wrong_reference_does_not_reveal_another_reservation(missions, reserve):
    mine, other = reserve(), reserve("Ivanova, Anna")
    errors = []
    for reference in (other.reference, "R-ZZZZZ-ZZZZZ"):
        with pytest.raises(InvalidInput) as caught:
            cs.reservation_check_in(
                actor=missions["officer"], reservation=mine, reference=reference, mrz=mrz()
            )
        errors.append(caught.value.message)
    assert errors[0] == errors[1]  # the same answer whether the other one exists or not
    assert not SlotReservation.objects.filter(checked_in_at__isnull=False).exists()


def test_a_second_check_in_an_ended_or_other_day_reservation_is_refused(missions, reserve):
    officer = missions["officer"]
    reservation = reserve()
    cs.reservation_check_in(
        actor=officer, reservation=reservation, reference=reservation.reference, mrz=mrz()
    )
    at = SlotReservation.objects.get(pk=reservation.pk).checked_in_at
    with pytest.raises(InvalidState, match="already checked in"):
        cs.reservation_check_in(
            actor=officer, reservation=reservation, reference=reservation.reference, mrz=mrz()
        )
    assert SlotReservation.objects.get(pk=reservation.pk).checked_in_at == at

    ended = reserve("Ivanova, Anna")
    cs.slot_reservation_end(actor=reserve.officer, reservation=ended)
    with pytest.raises(InvalidState, match="has ended"):
        cs.reservation_check_in(
            actor=officer, reservation=ended, reference=ended.reference, mrz=mrz("IVANOVA", "ANNA")
        )
    later = reserve("Ivanova, Anna", today=False)
    with pytest.raises(InvalidState, match="not for today"):
        cs.reservation_check_in(
            actor=officer, reservation=later, reference=later.reference, mrz=mrz("IVANOVA", "ANNA")
        )
    assert [a for a, _d in _audits()] == ["consular.reservation_checked_in"]


def test_only_the_missions_own_officers_check_in(missions, reserve, staff, make_user):
    reservation = reserve()
    for actor in (
        missions["officer_spb"],  # same member state, another mission
        missions["officer_de"],
        staff["programme_admin"],
        reserve.officer,  # the humanitarian officer who reserved it
        make_user(Role.CASEWORKER, "FR"),
        make_user(),
    ):
        with pytest.raises(NotAllowed):
            cs.reservation_check_in(
                actor=actor, reservation=reservation, reference=reservation.reference, mrz=mrz()
            )
    assert _audits() == []


# --- the pages ---------------------------------------------------------------------------------


def _url(reservation) -> str:
    return reverse(
        "consular:reservation_check_in", args=[reservation.slot.mission_id, reservation.pk]
    )


def test_the_day_page_offers_the_check_in_to_the_missions_officers(
    client, missions, reserve, staff
):
    reservation = reserve()
    client.force_login(missions["officer"])
    page = client.get(reverse("consular:day", args=[missions["fr"].pk])).content.decode()
    assert f'data-reservation-check-in="{reservation.reference}"' in page
    assert _url(reservation) in page
    # a programme admin reads the day but does not check in; no action on another day
    client.force_login(staff["programme_admin"])
    page = client.get(reverse("consular:day", args=[missions["fr"].pk])).content.decode()
    assert reservation.reference in page and "data-reservation-check-in" not in page
    later = reserve("Ivanova, Anna", today=False)
    client.force_login(missions["officer"])
    day = missions["fr"].local(later.slot.starts_at).date().isoformat()
    page = client.get(
        reverse("consular:day", args=[missions["fr"].pk]) + f"?date={day}"
    ).content.decode()
    assert later.reference in page and "data-reservation-check-in" not in page


def test_the_page_access_matrix(client, missions, reserve, staff, make_user):
    reservation = reserve()
    url = _url(reservation)
    client.force_login(missions["officer"])
    assert client.get(url).status_code == 200
    other_mission = reverse(
        "consular:reservation_check_in", args=[missions["spb"].pk, reservation.pk]
    )
    for user in (
        missions["officer_spb"],
        missions["officer_de"],
        staff["programme_admin"],
        staff["caseworker"],
        reserve.officer,
        make_user(),
    ):
        client.force_login(user)
        assert client.get(url).status_code == 404, user.role
        assert (
            client.post(url, {"reference": reservation.reference, "mrz": mrz()}).status_code == 404
        )
    client.force_login(missions["officer_spb"])
    assert client.get(other_mission).status_code == 404
    assert client.get(reverse(
        "consular:reservation_check_in", args=[missions["fr"].pk, reservation.pk + 999]
    )).status_code == 404  # fmt: skip
    assert SlotReservation.objects.get(pk=reservation.pk).checked_in_at is None


def test_the_page_checks_in_refuses_and_shows_errors(client, missions, reserve):
    reservation = reserve()
    url = _url(reservation)
    client.force_login(missions["officer"])
    refused = client.post(url, {"reference": reservation.reference, "mrz": mrz("IVANOVA")})
    assert refused.status_code == 409
    assert "IVANOVA" in refused.content.decode() and 'id="mismatches"' in refused.content.decode()
    wrong = client.post(url, {"reference": "R-AAAAA-BBBBB", "mrz": mrz()})
    assert wrong.status_code == 400
    assert "not the reference of this reservation" in wrong.content.decode()
    unreadable = client.post(url, {"reference": reservation.reference, "mrz": "P<RUS\nxx"})
    assert unreadable.status_code == 400
    assert "Traceback" not in unreadable.content.decode()
    assert SlotReservation.objects.get(pk=reservation.pk).checked_in_at is None
    done = client.post(url, {"reference": reservation.reference, "mrz": mrz()}, follow=True)
    assert done.status_code == 200
    assert "Checked in at" in done.content.decode()
    again = client.post(url, {"reference": reservation.reference, "mrz": mrz()})
    assert again.status_code == 400 and "already checked in" in again.content.decode()
    assert [a for a, _d in _audits()] == [
        "consular.reservation_check_in_refused",
        "consular.reservation_checked_in",
    ]
