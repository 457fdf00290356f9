"""The verifier: one test per verdict, per failing layer, and fuzzing that it never raises."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, date, datetime, timedelta

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relocard.core.credentials import (
    INVALID,
    STATUSES,
    SUSPENDED,
    StatusList,
    StatusListUnavailable,
    TrustList,
    base45,
    build_trust_list,
    issue_rc1,
    status_list_from_jwt,
    verify,
)
from relocard.core.credentials.errors import EncodingError
from relocard.core.credentials.keystore import KeyStore
from relocard.core.credentials.rc1 import inflate

from .conftest import ISSUED, T0, URI, make_card

DAY = date(2025, 6, 1)
#: A verifier's own, trusted list in which every card is valid (for tests about other layers).
ALL_VALID = {URI: StatusList(64)}


@pytest.fixture(scope="module")
def payload(signer) -> str:
    return issue_rc1(make_card(), signer, issued_at=ISSUED)


def steps(result) -> list[tuple[str, bool | None]]:
    return [(c.step, c.ok) for c in result.checks]


def test_a_good_card_is_valid_with_every_layer_checked(payload, trust_list) -> None:
    result = verify(payload, trust_list=trust_list, status_lists=ALL_VALID, at=DAY)
    assert result.valid and result.status == "valid"
    assert [s for s, ok in steps(result) if ok] == [
        "prefix", "base45", "zlib", "cbor", "cose", "kid", "signature", "claims", "validity",
        "status",
    ]  # fmt: skip
    assert result.claims["family_name"] == "IVANOVA"
    assert result.claims["status_list"] == {"idx": 17, "uri": URI}


def test_to_dict_is_the_cli_json(payload, trust_list) -> None:
    data = verify(payload, trust_list=trust_list, at=DAY).to_dict()
    assert list(data) == ["valid", "status", "claims", "checks"]
    assert set(data["checks"][0]) == {"step", "ok", "detail"}
    assert json.loads(json.dumps(data)) == data


def _statuses(
    signer, trust_list, value: int | None, *, exp: datetime | None = None, ttl: int = 10**9
):
    lst = StatusList(64)
    if value is not None:
        lst.set(17, value)
    token = lst.to_jwt(signer, uri=URI, iat=T0, exp=exp, ttl=ttl)
    return [status_list_from_jwt(token, trust_list.signer)]


@pytest.mark.parametrize(
    ("value", "status"),
    [(None, "valid"), (INVALID, "revoked"), (SUSPENDED, "suspended"), (3, "revoked")],
)
def test_status_list_decides_revocation_and_suspension(
    payload, signer, trust_list, value, status
) -> None:
    result = verify(
        payload, trust_list=trust_list, status_lists=_statuses(signer, trust_list, value), at=DAY
    )
    assert result.status == status
    assert result.valid is (status == "valid")
    assert steps(result)[-1] == ("status", status == "valid")


def _status_unknown(result) -> str:
    """The status check's detail of a status-unknown verdict, checked."""
    assert (result.valid, result.status) == (False, "status_unknown")
    assert steps(result)[-1] == ("status", None)
    assert result.claims["card_number"] == "FR-2025-000123"  # a genuine card, said so
    detail = result.checks[-1].detail
    assert detail.startswith("status unknown: revocation could not be checked: ")
    return detail


def test_an_expired_status_list_is_status_unknown(payload, signer, trust_list) -> None:
    lists = _statuses(signer, trust_list, None, exp=datetime(2025, 2, 1, tzinfo=UTC))
    result = verify(payload, trust_list=trust_list, status_lists=lists, at=DAY)
    assert "expired" in _status_unknown(result) and "fetch a fresh one" in result.checks[-1].detail


def test_a_status_list_older_than_its_ttl_is_status_unknown(payload, signer, trust_list) -> None:
    lists = _statuses(signer, trust_list, None, ttl=3600)  # issued at T0, checked months later
    detail = _status_unknown(verify(payload, trust_list=trust_list, status_lists=lists, at=DAY))
    assert "older than its time-to-live of 3600 s" in detail
    # Within the time-to-live the same list decides.
    within = datetime(2025, 1, 2, 10, 0, tzinfo=UTC)
    lists = _statuses(signer, trust_list, None, ttl=int((within - T0).total_seconds()) + 60)
    assert verify(payload, trust_list=trust_list, status_lists=lists, at=within).valid


def test_offline_without_a_status_list_is_status_unknown(payload, trust_list) -> None:
    detail = _status_unknown(verify(payload, trust_list=trust_list, at=DAY))
    assert "no status list was given" in detail and URI in detail
    for empty in ([], {}):
        detail = _status_unknown(verify(payload, trust_list=trust_list, status_lists=empty, at=DAY))
        assert f"no status list for {URI}" in detail


def test_another_lists_uri_is_status_unknown(payload, trust_list) -> None:
    lists = {"https://relocard.example/status/FR/2": StatusList(64)}
    assert f"no status list for {URI}" in _status_unknown(
        verify(payload, trust_list=trust_list, status_lists=lists, at=DAY)
    )


def test_a_list_that_could_not_be_fetched_or_verified_is_status_unknown(
    payload, trust_list
) -> None:
    down = StatusListUnavailable(URI, "the list could not be downloaded: connection refused")
    other = StatusListUnavailable("https://elsewhere.example/1", "not ours")
    for lists in ([other, down], {URI: down}, [StatusListUnavailable(None, "file x unreadable")]):
        detail = _status_unknown(verify(payload, trust_list=trust_list, status_lists=lists, at=DAY))
        assert "not ours" not in detail
    assert "connection refused" in _status_unknown(
        verify(payload, trust_list=trust_list, status_lists=[down], at=DAY)
    )
    # A usable list for the card's URI decides, whatever else could not be fetched.
    assert verify(
        payload, trust_list=trust_list, status_lists={**ALL_VALID, "x": other}, at=DAY
    ).valid


def test_a_list_signed_for_another_member_state_is_status_unknown(
    payload, keystore, trust_list
) -> None:
    lists = _statuses(keystore.signer("DE"), trust_list, None)
    detail = _status_unknown(verify(payload, trust_list=trust_list, status_lists=lists, at=DAY))
    assert "signed by DE, not FR" in detail


def test_a_list_that_does_not_cover_the_index_is_status_unknown(payload, trust_list) -> None:
    short = {URI: StatusList(17)}  # indices 0-16; the card's is 17
    detail = _status_unknown(verify(payload, trust_list=trust_list, status_lists=short, at=DAY))
    assert "index 17 is outside the list (17 entries)" in detail


def test_status_unknown_never_hides_a_definite_verdict(payload, signer, trust_list) -> None:
    assert verify(payload, trust_list=trust_list, at=date(2027, 1, 1)).status == "expired"
    assert verify(payload, trust_list=trust_list, at=date(2024, 1, 1)).status == "not_yet_valid"
    revoked = _statuses(signer, trust_list, INVALID)
    assert verify(payload, trust_list=trust_list, status_lists=revoked, at=DAY).status == "revoked"


def test_a_mapping_of_bare_lists_works(payload, trust_list) -> None:
    lst = StatusList(32)
    lst.set(17, SUSPENDED)
    assert (
        verify(payload, trust_list=trust_list, status_lists={URI: lst}, at=DAY).status
        == "suspended"
    )


@pytest.mark.parametrize(
    ("at", "status"),
    [
        (date(2025, 1, 1), "not_yet_valid"),
        (date(2025, 1, 2), "valid"),  # issued 09:30 that day: valid on the day
        (datetime(2025, 1, 2, 9, 0, tzinfo=UTC), "not_yet_valid"),  # before signing
        (date(2026, 1, 1), "valid"),  # last day
        # A French card's days are Paris days: its last one ends at 23:00 UTC in winter.
        (datetime(2026, 1, 1, 22, 59, tzinfo=UTC), "valid"),
        (datetime(2026, 1, 1, 23, 0, tzinfo=UTC), "expired"),
        (date(2026, 1, 2), "expired"),
    ],
)
def test_validity_boundaries(payload, trust_list, at, status) -> None:
    assert verify(payload, trust_list=trust_list, status_lists=ALL_VALID, at=at).status == status


def test_expired_and_revoked_reports_revoked_and_both_checks(payload, signer, trust_list) -> None:
    lists = _statuses(signer, trust_list, INVALID)
    result = verify(payload, trust_list=trust_list, status_lists=lists, at=date(2027, 1, 1))
    assert result.status == "revoked"
    assert ("validity", False) in steps(result)


def test_interim_certificates_verify_the_same_way(signer, trust_list) -> None:
    interim = make_card(kind="interim", valid_until=date(2025, 3, 31))
    payload = issue_rc1(interim, signer, issued_at=ISSUED)
    assert verify(payload, trust_list=trust_list, at=date(2025, 3, 1)).claims["kind"] == "interim"
    assert verify(payload, trust_list=trust_list, at=date(2025, 4, 1)).status == "expired"


def _relayer(payload: str, change) -> str:
    cose = cbor2.loads(zlib.decompress(base45.decode(payload[4:])))
    parts = list(cose.value)  # a tuple under cbor2 6
    change(parts)
    return "RC1:" + base45.encode(zlib.compress(cbor2.dumps(cbor2.CBORTag(18, parts))))


def test_a_changed_claim_is_a_bad_signature(payload, trust_list) -> None:
    def swap_name(parts):
        parts[2] = parts[2].replace(b"IVANOVA", b"PETROVA")

    result = verify(_relayer(payload, swap_name), trust_list=trust_list, at=DAY)
    assert result.status == "bad_signature"
    assert steps(result)[-1] == ("signature", False)
    assert result.claims == {}  # nothing unauthenticated is shown


@pytest.mark.parametrize(
    ("mutate", "step"),
    [
        (lambda p: p[:-1] + "a", "base45"),
        # 3n+1 characters, the last not a space (Base45 has one, and the verifier strips the
        # payload's surrounding white space as a scanner may add it)
        (lambda p: p[: 4 + (len(p) - 4) // 3 * 3 - 3] + "0", "base45"),
        (lambda p: "RC1:" + base45.encode(b"not zlib at all"), "zlib"),
        (lambda p: "RC1:" + base45.encode(base45.decode(p[4:])[:-4]), "zlib"),  # truncated
        (lambda p: "RC1:" + base45.encode(zlib.compress(b"\x9f\x01")), "cbor"),
        (lambda p: "RC1:" + base45.encode(zlib.compress(cbor2.dumps([1, 2]))), "cose"),
    ],
)
def test_each_layer_reports_its_own_failure(payload, trust_list, mutate, step) -> None:
    result = verify(mutate(payload), trust_list=trust_list, at=DAY)
    assert result.status == "malformed"
    assert steps(result)[-1] == (step, False)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: "HC1:" + p[4:],
        lambda p: "rc1:" + p[4:],
        lambda p: "hello world",
        lambda p: "https://example.org/" + p,
        lambda p: "a~b~",
    ],
)
def test_text_that_is_no_relocatee_card_is_told_apart_from_a_damaged_one(
    payload, trust_list, mutate
) -> None:
    result = verify(mutate(payload), trust_list=trust_list, at=DAY)
    assert result.status == "not_relocard" and not result.valid and result.claims == {}
    assert result.checks[-1].ok is False and result.checks[-1].step in ("prefix", "format")


def test_unknown_key_id_and_missing_trust_list(payload, trust_list, tmp_path) -> None:
    other = KeyStore(tmp_path)
    stranger = issue_rc1(make_card(), other.ensure_member_state("FR", now=T0), issued_at=ISSUED)
    result = verify(stranger, trust_list=trust_list, at=DAY)
    assert (result.status, steps(result)[-1]) == ("unknown_issuer", ("kid", False))
    assert "not in the trust list" in result.checks[-1].detail
    assert verify(payload, trust_list=None, at=DAY).status == "unknown_issuer"


def test_rotation_keeps_old_cards_valid_and_withdrawal_ends_them(tmp_path) -> None:
    store = KeyStore(tmp_path)
    store.ensure_programme(now=T0)
    old = store.ensure_member_state("FR", now=T0)
    old_card = issue_rc1(make_card(), old, issued_at=ISSUED)
    new_kid = store.rotate("FR", now=T0 + timedelta(days=1))
    assert new_kid != old.kid and store.signer("FR").kid == new_kid

    def current() -> TrustList:
        signed = build_trust_list(store, now=T0 + timedelta(days=2))
        return TrustList.from_signed(
            signed, store.programme_certificate(), at=T0 + timedelta(days=2)
        )

    assert verify(old_card, trust_list=current(), status_lists=ALL_VALID, at=DAY).status == "valid"
    assert "retired" in verify(old_card, trust_list=current(), at=DAY).checks[5].detail
    store.withdraw(old.kid, "key compromise", now=T0 + timedelta(days=2))
    result = verify(old_card, trust_list=current(), at=DAY)
    assert result.status == "unknown_issuer"
    assert "withdrawn" in result.checks[-1].detail and "key compromise" in result.checks[-1].detail


def test_a_card_signed_with_another_states_key_is_refused(keystore, trust_list) -> None:
    from relocard.core.credentials.cose import sign1
    from relocard.core.credentials.rc1 import card_to_cwt, encode_payload

    de = keystore.signer("DE")
    forged = encode_payload(
        sign1(cbor2.dumps(card_to_cwt(make_card(), ISSUED)), de.private_key, de.kid)
    )
    result = verify(forged, trust_list=trust_list, at=DAY)
    assert result.status == "unknown_issuer"
    assert "FR card signed by a DE key" in result.checks[-1].detail


def test_non_text_never_raises(trust_list) -> None:
    for value in (None, 42, b"RC1:", ["RC1:"]):
        assert verify(value, trust_list=trust_list).status == "not_relocard"  # type: ignore[arg-type]


@settings(max_examples=300)
@given(st.text(max_size=500))
def test_arbitrary_text_never_raises(trust_list, text) -> None:
    result = verify(text, trust_list=trust_list, at=DAY)
    assert result.status in STATUSES
    assert not result.valid


@settings(max_examples=300)
@given(data=st.data())
def test_truncated_or_mutated_payloads_never_raise_or_pass(payload, trust_list, data) -> None:
    cut = data.draw(st.integers(0, len(payload)))
    pos = data.draw(st.integers(4, len(payload) - 1))
    char = data.draw(st.sampled_from(base45.ALPHABET + "abc~{"))
    variants = [payload[:cut], payload[:pos] + char + payload[pos + 1 :]]
    for variant in variants:
        result = verify(variant, trust_list=trust_list, status_lists=ALL_VALID, at=DAY)
        assert result.status in STATUSES
        if result.valid:
            # Only a change that the transport layers ignore may pass: the unused bits of
            # deflate's last byte (see the test below). What was signed must be unchanged.
            assert signed_bytes(variant) == signed_bytes(payload)


def signed_bytes(payload: str) -> bytes:
    return inflate(base45.decode(payload[len("RC1:") :]))


def test_deflate_padding_bits_are_not_signed_and_change_nothing(signer, trust_list) -> None:
    """Deflate pads its last byte with bits that every inflater ignores, so a QR whose
    padding bits differ carries the very same signed message: it verifies, with the same
    claims. That is not a forgery (nothing signed changed), and DCC verifiers behave the
    same; it is why the fuzz test above compares signed bytes rather than payload text."""
    # A stream ends on a byte boundary with no padding one time in eight (the signature is
    # random): try cards until one has padding; ten misses in a row is a 1e-9 event.
    for serial in range(10):
        original = issue_rc1(
            make_card(card_number=f"FR-2025-{serial:06d}"), signer, issued_at=ISSUED
        )
        compressed = bytearray(base45.decode(original[4:]))
        last = len(compressed) - 5  # the 4 bytes after it are the Adler-32 checksum
        expected = signed_bytes(original)
        padding = [bit for bit in range(8) if _inflates_same(compressed, last, bit, expected)]
        if padding:
            break
    assert padding, "no card's deflate stream ended with padding bits"
    flipped = bytearray(compressed)
    flipped[last] ^= 1 << padding[-1]
    variant = "RC1:" + base45.encode(bytes(flipped))
    assert variant != original
    a = verify(original, trust_list=trust_list, status_lists=ALL_VALID, at=DAY)
    b = verify(variant, trust_list=trust_list, status_lists=ALL_VALID, at=DAY)
    assert a.valid and b.valid and a.claims == b.claims


def _inflates_same(compressed: bytearray, index: int, bit: int, expected: bytes) -> bool:
    flipped = bytearray(compressed)
    flipped[index] ^= 1 << bit
    try:
        return inflate(bytes(flipped)) == expected
    except EncodingError:
        return False
