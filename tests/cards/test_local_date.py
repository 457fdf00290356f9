"""A card's dates are calendar days of the issuing member state, for the issuer and every verifier.

A card approved at 00:30 in Paris is valid from that Paris date. Before the date became the
member state's, such a card was "not yet valid" in QR and wallet checks for the hour (two in
summer) between 00:00 in Paris and 00:00 UTC: the verifier read the date as a UTC day. The
clock is frozen at those instants: 23:30 UTC in winter (UTC+1) and 22:30 UTC in summer (UTC+2).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings

from relocard.cards import credentials as creds
from relocard.cards.models import Card
from relocard.core.credentials import verify
from relocard.core.eu import day_start, local_date
from relocard.reference.models import MemberState
from relocard.verification.services import card_is_valid

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
#: 00:30 in Paris on 16 January (UTC+1) and on 16 July (UTC+2): the previous day in UTC.
WINTER = datetime(2027, 1, 15, 23, 30, tzinfo=UTC)
SUMMER = datetime(2027, 7, 15, 22, 30, tzinfo=UTC)


@pytest.fixture
def own_keys(tmp_path):
    """Signing keys made at the frozen instant: a signer is only valid from its creation."""
    creds.keystore.cache_clear()
    with override_settings(RELOCARD_KEY_DIR=tmp_path / "keys"):
        yield
    creds.keystore.cache_clear()


def _approved_at(make_case, instant: datetime, member_state: str = "FR") -> Card:
    with time_machine.travel(instant, tick=False):
        return make_case("approved", member_state=member_state).cards.get()


def test_day_start_is_midnight_in_the_member_states_zone():
    assert day_start("FR", date(2027, 1, 16)) == datetime(2027, 1, 15, 23, tzinfo=UTC)
    assert day_start("FR", date(2027, 7, 16)) == datetime(2027, 7, 15, 22, tzinfo=UTC)
    assert day_start("CY", date(2027, 1, 16)) == datetime(2027, 1, 15, 22, tzinfo=UTC)
    assert day_start("PT", date(2027, 1, 16)) == datetime(2027, 1, 16, 0, tzinfo=UTC)
    assert local_date("FR", WINTER) == date(2027, 1, 16)
    assert local_date("PT", WINTER) == date(2027, 1, 15)
    with pytest.raises(ValueError, match="XX"):
        day_start("XX", date(2027, 1, 16))


def test_member_state_today_is_its_own_calendar_day(member_states):
    france, portugal = MemberState.objects.get(code="FR"), MemberState.objects.get(code="PT")
    with time_machine.travel(WINTER, tick=False):
        assert france.today() == date(2027, 1, 16)
        assert portugal.today() == date(2027, 1, 15)
    assert france.local_date(SUMMER) == date(2027, 7, 16)
    assert france.local_date(SUMMER - timedelta(minutes=31)) == date(2027, 7, 15)


def test_member_state_zones_match_the_core_table(member_states):
    """The verifier (offline, no database) and the issuer (the rows) read the same zones."""
    from relocard.core.eu import EU_TIME_ZONES

    rows = dict(MemberState.objects.values_list("code", "timezone"))
    assert rows == dict(EU_TIME_ZONES)


@pytest.mark.parametrize("instant", [WINTER, SUMMER], ids=["winter", "summer"])
def test_a_card_approved_after_local_midnight_is_valid_at_once(make_case, own_keys, instant):
    card = _approved_at(make_case, instant)
    assert card.valid_from == instant.astimezone(PARIS).date()
    assert card.valid_from == instant.date() + timedelta(days=1)
    with time_machine.travel(instant + timedelta(minutes=1), tick=False):
        assert card_is_valid(card)
        for fmt in ("rc1", "sd_jwt_vc"):
            result = creds.verify_payload(creds.latest(card, fmt).payload)
            assert result.status == "valid", (fmt, result.to_dict())


@pytest.mark.parametrize("instant", [WINTER, SUMMER], ids=["winter", "summer"])
def test_a_card_expires_at_local_midnight_for_every_verifier(make_case, own_keys, instant):
    card = _approved_at(make_case, instant)
    rc1 = creds.latest(card, "rc1").payload
    vc = creds.latest(card, "sd_jwt_vc").payload
    last_evening = datetime.combine(card.valid_until, datetime.min.time(), PARIS).replace(
        hour=23, minute=59
    )
    after_midnight = last_evening + timedelta(minutes=31)  # 00:30 Paris, still valid_until in UTC
    with time_machine.travel(last_evening, tick=False):
        trust, lists = creds.verifier_lists()
        assert card_is_valid(card)
        for payload in (rc1, vc):
            assert verify(payload, trust_list=trust, status_lists=lists).status == "valid"
    with time_machine.travel(after_midnight, tick=False):
        assert after_midnight.astimezone(UTC).date() == card.valid_until
        assert not card_is_valid(card)
        for payload in (rc1, vc):
            result = verify(payload, trust_list=trust, status_lists=lists, at=after_midnight)
            assert result.status == "expired", result.to_dict()


def test_a_date_is_checked_as_the_issuing_states_calendar_day(make_case, own_keys):
    """``at`` given as a date means that day in the issuing state, as the card's dates do."""
    card = _approved_at(make_case, WINTER)
    payload = creds.latest(card, "rc1").payload
    with time_machine.travel(WINTER + timedelta(minutes=1), tick=False):
        before = creds.verify_payload(payload, at=card.valid_from - timedelta(days=1))
        first = creds.verify_payload(payload, at=card.valid_from)
        last = creds.verify_payload(payload, at=card.valid_until)
        after = creds.verify_payload(payload, at=card.valid_until + timedelta(days=1))
    assert before.status == "not_yet_valid", before.to_dict()
    assert first.status == "valid"
    # A year ahead, today's status list says nothing about revocation then (status unknown,
    # issue 11): the card's own dates still hold on its last day.
    assert last.status == "status_unknown"
    assert [c.ok for c in last.checks if c.step == "validity"] == [True], last.to_dict()
    assert after.status == "expired", after.to_dict()


def test_an_interim_certificate_starts_on_the_member_states_date(make_case, own_keys):
    """Cyprus is UTC+2 in winter: at 22:30 UTC it is already tomorrow there (not in Brussels)."""
    instant = datetime(2027, 1, 15, 22, 30, tzinfo=UTC)
    card = _approved_at(make_case, instant, member_state="DE")
    card.member_state_id = "CY"
    card.save(update_fields=["member_state"])
    card.refresh_from_db()
    with time_machine.travel(instant + timedelta(days=1), tick=False):
        interim = creds.interim_issue(card, valid_until=card.valid_until)
        result = creds.verify_payload(interim.payload)
    assert result.claims["valid_from"] == "2027-01-17", result.to_dict()
    assert result.status == "valid", result.to_dict()
