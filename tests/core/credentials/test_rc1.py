from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.core.credentials import ClaimsError, EncodingError, StatusRef, issue_rc1
from relocard.core.credentials.base45 import ALPHABET
from relocard.core.credentials.rc1 import (
    EU_MEMBER_STATES,
    card_from_cwt,
    card_to_cwt,
    inflate,
    unprefix,
)
from relocard.core.eu import EU_TIME_ZONES

from .conftest import ISSUED, URI, make_card


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"family_name": "ИВАНОВА"}, "Latin-script"),
        ({"given_name": "Anna 2"}, "Latin-script"),
        ({"family_name": " "}, "required"),
        ({"family_name": "A" * 101}, "longer than 100"),
        ({"card_number": "fr-1"}, "card number"),
        ({"card_number": ""}, "card number"),
        ({"date_of_birth": "1990-02-30"}, "not a calendar date"),
        ({"date_of_birth": "1990-13"}, "not a calendar date"),
        ({"date_of_birth": "90-01-01"}, "YYYY"),
        ({"member_state": "RU"}, "not an EU member state"),
        ({"member_state": "fr"}, "not an EU member state"),
        ({"valid_until": date(2024, 1, 1)}, "before valid from"),
        ({"kind": "visa"}, "kind must be"),
    ],
)
def test_claims_a_card_cannot_carry_are_refused(overrides: dict, message: str) -> None:
    with pytest.raises(ClaimsError, match=message):
        make_card(**overrides)


def test_latin_names_with_diacritics_and_partial_birth_dates_are_accepted() -> None:
    card = make_card(family_name="Müller-Łukasiewicz", given_name="Zoë D'Arc", date_of_birth="1990")
    assert card.family_name.startswith("Müller")
    assert make_card(date_of_birth="1990-04").date_of_birth == "1990-04"


@pytest.mark.parametrize(
    ("idx", "uri"), [(-1, URI), (True, URI), (1, "ftp://x"), (1, "https://" + "x" * 300)]
)
def test_status_references_are_checked(idx: object, uri: str) -> None:
    with pytest.raises(ClaimsError):
        StatusRef(idx, uri)  # type: ignore[arg-type]


names = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ -'", min_size=1, max_size=40).filter(str.strip)


@given(
    family=names,
    given_name=names,
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 1, 1)),
    days=st.integers(0, 800),
    idx=st.integers(0, 2**31),
    state=st.sampled_from(sorted(EU_MEMBER_STATES)),
    kind=st.sampled_from(["card", "interim"]),
)
def test_cwt_round_trip(family, given_name, start, days, idx, state, kind) -> None:
    card = make_card(
        family_name=family,
        given_name=given_name,
        valid_from=start,
        valid_until=start + timedelta(days=days),
        status=StatusRef(idx, URI),
        member_state=state,
        kind=kind,
    )
    cwt = card_to_cwt(card, ISSUED)
    assert card_from_cwt(cwt) == card
    # nbf and exp: 00:00 in the member state on valid_from and after valid_until (not UTC).
    zone = ZoneInfo(EU_TIME_ZONES[state])
    assert datetime.fromtimestamp(cwt[5], zone) == datetime.combine(start, time(0), zone)
    end = datetime.combine(start + timedelta(days=days + 1), time(0), zone)
    assert datetime.fromtimestamp(cwt[4], zone) == end


def test_issued_payload_is_prefixed_alphanumeric_text(signer) -> None:
    payload = issue_rc1(make_card(), signer, issued_at=ISSUED)
    assert payload.startswith("RC1:")
    assert set(payload[4:]) <= set(ALPHABET)
    assert len(payload) < 420  # a version-15 QR code at level Q holds it


def test_a_signer_cannot_issue_another_member_states_card(keystore) -> None:
    with pytest.raises(ClaimsError, match="belongs to DE"):
        issue_rc1(make_card(), keystore.signer("DE"), issued_at=ISSUED)


def test_naive_issue_time_is_refused(signer) -> None:
    with pytest.raises(ClaimsError, match="timezone-aware"):
        issue_rc1(make_card(), signer, issued_at=ISSUED.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("cwt", "message"),
    [
        ({}, "no relocard card claim"),
        ({-65537: [2]}, "version 2"),
        ({-65537: [1, "card"]}, "not 8"),
        ({-65537: [1, "card", "N", "A", "B", "1990", "2025-01-01", "2025-12-31"]}, "status-list"),
        (
            {
                1: "FR",
                65535: {"status_list": {"idx": 1, "uri": URI}},
                -65537: [1, "card", "N", "A", "B", "1990", "2025-1-01", "2025-12-31"],
            },
            "not an ISO date",
        ),
        (
            {
                1: ["FR"],
                65535: {"status_list": {"idx": 1, "uri": URI}},
                -65537: [1, "card", "N", "A", "B", "1990", "2025-01-01", "2025-12-31"],
            },
            "wrong type|member state",
        ),
    ],
)
def test_reading_bad_claims_raises_claims_error(cwt: dict, message: str) -> None:
    with pytest.raises(ClaimsError, match=message):
        card_from_cwt(cwt)


def test_unprefix_and_inflate_errors() -> None:
    with pytest.raises(EncodingError, match="not 'RC1:'"):
        unprefix("HC1:ABC")
    with pytest.raises(EncodingError, match="longer than"):
        unprefix("RC1:" + "A" * 9000)
    import zlib

    with pytest.raises(EncodingError, match="not valid zlib"):
        inflate(b"not zlib")
    with pytest.raises(EncodingError, match="truncated"):
        inflate(zlib.compress(b"x" * 100)[:-3])
    with pytest.raises(EncodingError, match="more than 100"):
        inflate(zlib.compress(b"x" * 1000), limit=100)
    with pytest.raises(EncodingError, match="unexpected bytes"):
        inflate(zlib.compress(b"x") + b"junk")
