"""The speed-ups against the code they stand in for: same answers, same refusals.

Each fast path is checked against the general one (or the library call) it short-cuts, on
valid input drawn widely and on mutated input: whenever a fast path answers, its answer must
be the general one's; where it declines, the general one decides. Tests also check that the
fast paths do answer for ordinary cards, so that a silently dead fast path fails.
"""

from __future__ import annotations

import dataclasses
import zlib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from relocard.core.credentials import (
    INVALID,
    STATUSES,
    SUSPENDED,
    CardClaims,
    ClaimsError,
    CoseError,
    StatusList,
    StatusRef,
    TrustList,
    base45,
    build_trust_list,
    issue_rc1,
    status_list_from_jwt,
    verify,
)
from relocard.core.credentials.cose import (
    _der_to_raw,
    cbor_loads_strict,
    decode_es256_fast,
    decode_sign1,
    es256_der,
    sig_structure,
    sign1,
    verify_sign1,
)
from relocard.core.credentials.rc1 import (
    EU_MEMBER_STATES,
    KINDS,
    card_fields_fast,
    card_from_cwt,
    card_payload_fast,
    card_to_cwt,
    cbor_dumps,
    day_end,
    day_start,
    deflate,
    encode_payload,
)
from relocard.core.credentials.verify import (
    Check,
    Verification,
    _Run,
    _verify_rc1_fast,
    _verify_rc1_full,
)
from relocard.core.eu import EU_TIME_ZONES

from .conftest import ISSUED, T0, URI, make_card

DAY = date(2025, 6, 1)
FAST = settings(max_examples=300)

# --- strategies ------------------------------------------------------------------------------

upper_names = st.from_regex(r"[A-Z][A-Z .'-]{0,60}", fullmatch=True)
any_names = st.one_of(
    upper_names,
    st.from_regex(r"[A-Za-z][A-Za-z .'-]{0,99}", fullmatch=True),
    st.sampled_from(["Müller", "ŁUKASZEWICZ", "Ñúñez-Þór", "O'Brien", "Anne-Marie"]),
)
days = st.dates(min_value=date(1, 1, 2), max_value=date(9998, 12, 30))
birth_dates = st.one_of(
    st.dates(min_value=date(1900, 1, 1)).map(date.isoformat),
    st.dates(min_value=date(1900, 1, 1)).map(lambda d: d.isoformat()[:7]),
    st.integers(1900, 2030).map(str),
)
uris = st.from_regex(r"https?://[a-z0-9.-]{1,40}/[!-~]{0,150}", fullmatch=True).filter(
    lambda u: len(u) <= 200
)
issue_times = st.datetimes(
    min_value=datetime(1960, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


ANY_STATE = st.sampled_from(sorted(EU_MEMBER_STATES))


@st.composite
def cards(draw, names=any_names, state=ANY_STATE) -> CardClaims:
    start = draw(days)
    return CardClaims(
        card_number=draw(st.from_regex(r"[A-Z0-9][A-Z0-9-]{0,39}", fullmatch=True)),
        family_name=draw(names.filter(str.strip)),
        given_name=draw(st.one_of(st.just(""), names)),
        date_of_birth=draw(birth_dates),
        member_state=draw(state),
        valid_from=start,
        valid_until=start + timedelta(days=draw(st.integers(0, 800))),
        status=StatusRef(draw(st.integers(0, 2**40)), draw(st.one_of(st.just(URI), uris))),
        kind=draw(st.sampled_from(KINDS)),
    )


def _mutations(data: bytes) -> st.SearchStrategy[bytes]:
    """Overwrite, delete or insert a few bytes of ``data``."""

    @st.composite
    def mutate(draw) -> bytes:
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 3))):
            pos = draw(st.integers(0, max(len(out) - 1, 0)))
            action = draw(st.sampled_from(["set", "delete", "insert"]))
            if action == "set" and out:
                out[pos] = draw(st.integers(0, 255))
            elif action == "delete" and out:
                del out[pos]
            else:
                out.insert(pos, draw(st.integers(0, 255)))
        return bytes(out)

    return mutate()


# --- Base45-adjacent: DER <-> r||s ------------------------------------------------------------


def _zero_prefixes(t: tuple[int, int, bytes]) -> bytes:
    r_zeros, s_zeros, raw = t
    return bytes(r_zeros) + raw[r_zeros:32] + bytes(s_zeros) + raw[32 + s_zeros :]


# Random halves, and halves with leading zero bytes (short INTEGERs, zero itself).
signatures = st.one_of(
    st.binary(min_size=64, max_size=64),
    st.tuples(st.integers(0, 32), st.integers(0, 32), st.binary(min_size=64, max_size=64)).map(
        _zero_prefixes
    ),
)


@given(signatures)
def test_es256_der_is_encode_dss_signature(signature: bytes) -> None:
    assert len(signature) == 64
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    assert es256_der(signature) == encode_dss_signature(r, s)


@given(st.integers(0, 2**256 - 1), st.integers(0, 2**256 - 1))
def test_der_to_raw_is_decode_dss_signature(r: int, s: int) -> None:
    der = encode_dss_signature(r, s)
    assert decode_dss_signature(der) == (r, s)
    assert _der_to_raw(der) == (r.to_bytes(32, "big"), s.to_bytes(32, "big"))


# --- COSE: the byte-layout reader against the CBOR one ----------------------------------------

_SIGNING_KEY = ec.generate_private_key(ec.SECP256R1())
_KID = bytes(range(8))


def _agrees_with_decode_sign1(data: bytes) -> None:
    fast = decode_es256_fast(data)
    if fast is None:
        return
    kid, tbs, payload, signature = fast
    message = decode_sign1(data)  # must not raise: the fast reader saw a valid message
    assert message.kid == kid and message.alg == -7
    assert message.payload == payload and message.signature == signature
    assert sig_structure(message.protected, message.payload) == tbs
    assert dict(message.unprotected_header) == {}


@pytest.mark.parametrize("size", [0, 1, 23, 24, 255, 256, 300, 65535])
@pytest.mark.parametrize("tag", [b"", b"\xd2", b"\xd8\x3d\xd2", b"\xd8\x3d"])
def test_fast_cose_reader_reads_our_messages_in_every_tagging(size: int, tag: bytes) -> None:
    untagged = sign1(b"p" * size, _SIGNING_KEY, _KID, tag=False)
    data = tag + untagged
    fast = decode_es256_fast(data)
    assert fast is not None and fast[0] == _KID and fast[2] == b"p" * size
    _agrees_with_decode_sign1(data)


@pytest.mark.parametrize(
    "head",
    [b"\x58\x05", b"\x59\x00\x05", b"\x5a\x00\x00\x00\x05"],  # valid CBOR, not the shortest
)
def test_fast_cose_reader_declines_long_payload_heads(head: bytes) -> None:
    good = sign1(b"hello", _SIGNING_KEY, _KID)
    i = good.index(b"\xa0") + 1
    data = good[:i] + head + good[i + 1 :]
    assert decode_sign1(data).payload == b"hello"  # the general reader accepts it ...
    assert decode_es256_fast(data) is None  # ... the fast one leaves it to it


@given(st.binary(max_size=300))
def test_fast_cose_reader_on_arbitrary_bytes(data: bytes) -> None:
    _agrees_with_decode_sign1(data)


@settings(max_examples=500)
@given(st.data())
def test_fast_cose_reader_on_mutated_messages(data) -> None:
    size = data.draw(st.sampled_from([0, 5, 23, 24, 200, 256]))
    message = sign1(b"x" * size, _SIGNING_KEY, _KID, tag=data.draw(st.booleans()))
    _agrees_with_decode_sign1(data.draw(_mutations(message)))


# --- issuing: same bytes as before -----------------------------------------------------------

cbor_values = st.recursive(
    st.one_of(st.integers(-(2**64), 2**64 - 1), st.text(max_size=30), st.binary(max_size=30)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.integers() | st.text(), inner, max_size=5)
    ),
    max_leaves=20,
)


@given(cbor_values)
def test_reused_encoder_writes_what_cbor2_dumps_writes(value) -> None:
    assert cbor_dumps(value) == cbor2.dumps(value)


def test_reused_encoder_recovers_from_a_failed_encoding() -> None:
    with pytest.raises(Exception):  # noqa: B017 -- cbor2's exception type varies by version
        cbor_dumps({1: object()})
    assert cbor_dumps({1: [2, "three"]}) == cbor2.dumps({1: [2, "three"]})


@given(cards(), issue_times)
def test_claims_map_times_equal_the_datetime_ones(card: CardClaims, issued: datetime) -> None:
    cwt = card_to_cwt(card, issued)
    assert cwt[5] == int(card.not_before.timestamp())
    assert cwt[4] == int(card.expires.timestamp())
    assert cwt[5] == day_start(card.valid_from, card.member_state)
    assert cwt[4] == day_end(card.valid_until, card.member_state)
    assert cwt[65535] == {"status_list": card.status.to_dict()}


@given(
    st.dates(min_value=date(2, 1, 1), max_value=date(9998, 12, 31)),
    st.sampled_from(sorted(EU_MEMBER_STATES)),
)
def test_day_start_is_midnight_in_the_member_state(day: date, member_state: str) -> None:
    """A card's dates are days of its member state's calendar (its zone, DST included)."""
    zone = ZoneInfo(EU_TIME_ZONES[member_state])
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    assert day_start(day, member_state) == int(midnight.timestamp())
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    assert day_end(day, member_state) == int(next_midnight.timestamp())


@pytest.mark.parametrize("day", [date.min, date.max])
def test_day_bounds_exist_at_the_ends_of_the_calendar(day: date) -> None:
    """Any date a payload may carry gives bounds (no overflow for the verifier to trip on)."""
    assert day_start(day, "FR") < day_end(day, "FR")


@settings(max_examples=50)
@given(st.binary(max_size=2), st.integers(0, 400))
def test_sign1_writes_the_layout_decode_sign1_reads(extra: bytes, size: int) -> None:
    payload = extra + b"q" * size
    data = sign1(payload, _SIGNING_KEY, _KID)
    message = decode_sign1(data)
    assert message.payload == payload and message.kid == _KID
    assert cbor2.loads(data).value[2] == payload
    verify_sign1(message, _SIGNING_KEY.public_key())


# --- claims: the payload reader, the dict reader and card_from_cwt -----------------------------


def _reference(cwt) -> tuple | None:
    """What the full path makes of a claims map: (to_dict, kind, number, idx, uri, days)."""
    try:
        card = card_from_cwt(cwt)
    except ClaimsError:
        return None
    return (
        card.to_dict(),
        card.kind,
        card.card_number,
        card.status.idx,
        card.status.uri,
        day_start(card.valid_from, card.member_state),
        day_end(card.valid_until, card.member_state),
    )


def _check_readers(payload: bytes) -> tuple | None:
    """Both fast readers agree with the full one whenever they answer; returns the fast one's."""
    fast = card_payload_fast(payload)
    try:
        cwt = cbor_loads_strict(payload, "claims")
    except CoseError:
        assert fast is None
        return None
    fields = card_fields_fast(cwt) if isinstance(cwt, dict) else None
    reference = _reference(cwt) if isinstance(cwt, dict) else None
    if fields is not None:
        assert fields == reference
    if fast is not None:
        assert fast[:7] == reference
        assert fields == fast[:7]
        assert type(cwt.get(6)) is int and fast[7] == cwt[6]
    return fast


@FAST
@given(cards(), issue_times)
def test_claim_readers_agree_on_any_card(card: CardClaims, issued: datetime) -> None:
    payload = cbor_dumps(card_to_cwt(card, issued))
    fast = _check_readers(payload)
    names = card.family_name + card.given_name
    if (names + card.date_of_birth).isascii():
        assert card_fields_fast(cbor2.loads(payload)) is not None
    ordinary = (
        (names + card.date_of_birth).isascii()
        and names.upper() == names
        and card.status.idx < 2**64
    )
    if ordinary:
        assert fast is not None, "an ordinary card missed the fast reader"


@FAST
@given(st.data())
def test_claim_readers_agree_on_mutated_payloads(data) -> None:
    card = data.draw(cards(names=upper_names))
    payload = cbor_dumps(card_to_cwt(card, ISSUED))
    assert card_payload_fast(payload) is not None
    _check_readers(data.draw(_mutations(payload)))


_odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.binary(max_size=5),
    st.lists(st.integers(), max_size=3),
    st.just(1.0),
    st.just("2025-W01-1"),
    st.just("20250102"),
    st.just("https://x"),
    st.just(["a"]),
)


@FAST
@given(st.data())
def test_dict_reader_agrees_with_card_from_cwt_on_odd_values(data) -> None:
    cwt = cbor2.loads(cbor_dumps(card_to_cwt(data.draw(cards()), ISSUED)))
    where = data.draw(st.sampled_from(["card", "status", "ref", "top"]))
    value = data.draw(_odd_values)
    if where == "card":
        card = list(cwt[-65537])
        card[data.draw(st.integers(0, 7))] = value
        cwt[-65537] = data.draw(st.sampled_from([card, tuple(card), card[:-1], [*card, 1]]))
    elif where == "status":
        cwt[65535] = data.draw(st.sampled_from([value, {"status_list": value}]))
    elif where == "ref":
        cwt[65535]["status_list"][data.draw(st.sampled_from(["idx", "uri"]))] = value
    else:
        cwt[data.draw(st.sampled_from([1, -65537, 65535]))] = value
    try:
        fields = card_fields_fast(cwt)
    except TypeError:  # unhashable values reach a set test in both readers
        fields = None
    if fields is not None:
        assert fields == _reference(cwt)


# --- the verifier: the fast path's verdict is the full path's ----------------------------------


@pytest.fixture(scope="module")
def payload(signer) -> str:
    return issue_rc1(make_card(), signer, issued_at=ISSUED)


@pytest.fixture(scope="module")
def unpinned(keystore) -> TrustList:
    signed = build_trust_list(keystore, now=T0, valid_for=timedelta(days=3650))
    return TrustList.from_signed(signed, None, at=T0)


def _status_lists(signer, trust_list, value: int, *, exp: datetime | None):
    lst = StatusList(256)
    lst.set(17, value)
    token = lst.to_jwt(signer, uri=URI, iat=T0, exp=exp, ttl=3600)
    return [status_list_from_jwt(token, trust_list.signer)]


def _same_verdict(text: str, trust_list, status_lists, at) -> Verification:
    fast = verify(text, trust_list=trust_list, status_lists=status_lists, at=at)
    full = _verify_rc1_full(_Run(), text.strip(), trust_list, status_lists, at)
    assert fast.to_dict() == full.to_dict()
    assert fast == full
    return fast


@FAST
@given(
    card=cards(names=upper_names, state=st.just("FR")),
    at=st.one_of(
        st.dates(date(2024, 1, 1), date(2030, 1, 1)),
        st.datetimes(datetime(2024, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
        st.datetimes(datetime(2024, 1, 1), datetime(2030, 1, 1)),
    ),
    status=st.sampled_from([0, INVALID, SUSPENDED, 3, None]),
    stale=st.booleans(),
    pin=st.booleans(),
)
def test_fast_and_full_verdicts_agree(
    signer, trust_list, unpinned, card, at, status, stale, pin
) -> None:
    card = dataclasses.replace(card, status=StatusRef(17, URI))
    assume(card.valid_from.year >= 2000)
    payload = issue_rc1(card, signer, issued_at=ISSUED)
    trust = trust_list if pin else unpinned
    lists = (
        None
        if status is None
        else _status_lists(signer, trust, status, exp=T0 + timedelta(days=1 if stale else 9999))
    )
    assert _verify_rc1_fast(payload, trust, lists, at) is not None
    result = _same_verdict(payload, trust, lists, at)
    assert result.status in STATUSES


@pytest.mark.parametrize("lists", ["mapping", "bare", "tuple", "generator", "other uri"])
def test_every_form_of_status_lists_agrees(signer, trust_list, lists) -> None:
    payload = issue_rc1(make_card(), signer, issued_at=ISSUED)
    tokens = _status_lists(signer, trust_list, SUSPENDED, exp=None)
    form = {
        "mapping": {URI: tokens[0]},
        "bare": {URI: tokens[0].status_list},
        "tuple": tuple(tokens),
        "generator": (t for t in tokens),
        "other uri": {"https://elsewhere.example/1": tokens[0]},
    }[lists]
    if lists == "generator":  # one pass only: compare with a fresh generator
        fast = verify(payload, trust_list=trust_list, status_lists=form, at=DAY)
        full = _verify_rc1_full(_Run(), payload, trust_list, iter(tokens), DAY)
        assert fast == full and fast.status == "suspended"
        return
    result = _same_verdict(payload, trust_list, form, DAY)
    assert result.status == ("valid" if lists == "other uri" else "suspended")


def _cose_of(payload: str) -> bytes:
    return zlib.decompress(base45.decode(payload[4:]))


@FAST
@given(st.data())
def test_verdicts_agree_on_mutated_cose_messages(payload, trust_list, data) -> None:
    cose = _cose_of(payload)
    where = data.draw(st.sampled_from(["signature", "anywhere", "payload"]))
    out = bytearray(cose)
    if where == "signature":
        out[-data.draw(st.integers(1, 64))] ^= data.draw(st.integers(1, 255))
        mutated = bytes(out)
    elif where == "payload":
        out[data.draw(st.integers(20, len(out) - 67))] ^= data.draw(st.integers(1, 255))
        mutated = bytes(out)
    else:
        mutated = data.draw(_mutations(cose))
    text = encode_payload(mutated)
    result = _same_verdict(text, trust_list, None, DAY)
    if result.valid:  # only a change that keeps the signed content (e.g. dropping a tag)
        ours, theirs = decode_sign1(mutated), decode_sign1(cose)
        assert (ours.protected, ours.payload, ours.signature) == (
            theirs.protected,
            theirs.payload,
            theirs.signature,
        )
    if where == "signature":
        assert result.status == "bad_signature"


@FAST
@given(st.data())
def test_verdicts_agree_on_mutated_text(payload, trust_list, data) -> None:
    cut = data.draw(st.integers(0, len(payload)))
    pos = data.draw(st.integers(0, len(payload) - 1))
    char = data.draw(st.sampled_from(base45.ALPHABET + "a~ \n"))
    for text in (payload[:cut], payload[:pos] + char + payload[pos + 1 :]):
        if text.strip().startswith("RC1:"):
            _same_verdict(text, trust_list, None, DAY)


def test_a_lower_case_name_takes_the_second_reader_with_the_same_verdict(
    signer, trust_list
) -> None:
    payload = issue_rc1(make_card(family_name="Ivanova"), signer, issued_at=ISSUED)
    cose = decode_es256_fast(_cose_of(payload))
    assert cose is not None and card_payload_fast(cose[2]) is None
    assert _verify_rc1_fast(payload, trust_list, None, DAY) is not None
    assert _same_verdict(payload, trust_list, None, DAY).claims["family_name"] == "Ivanova"


def test_zlib_settings_still_compress(signer) -> None:
    cose = _cose_of(issue_rc1(make_card(), signer, issued_at=ISSUED))
    assert len(deflate(cose)) < len(zlib.compress(cose, 0))
    assert zlib.decompress(deflate(cose)) == cose


# --- the values keep their dataclass behaviour -------------------------------------------------


def test_check_and_verification_are_still_plain_frozen_dataclasses() -> None:
    check = Check("kid", True, "x")
    assert check == Check(step="kid", ok=True, detail="x") and hash(check) == hash(
        Check("kid", True, "x")
    )
    assert repr(check) == "Check(step='kid', ok=True, detail='x')"
    assert [f.name for f in dataclasses.fields(Check)] == ["step", "ok", "detail"]
    assert dataclasses.replace(check, ok=False) == Check("kid", False, "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.ok = False  # type: ignore[misc]
    verdict = Verification(True, "valid", {"a": 1}, (check,))
    assert [f.name for f in dataclasses.fields(Verification)] == [
        "valid",
        "status",
        "claims",
        "checks",
    ]
    assert verdict == Verification(valid=True, status="valid", claims={"a": 1}, checks=(check,))
    assert dataclasses.replace(verdict, valid=False).valid is False
    assert not hasattr(check, "__dict__")
    with pytest.raises(TypeError):
        Check("kid", True)  # type: ignore[call-arg]


def test_precomputed_times_match_the_datetimes(signer, trust_list) -> None:
    trusted = trust_list.signer(signer.kid)
    assert trusted.es256
    assert trusted.not_before_ts == trusted.not_before.timestamp()
    assert trusted.not_after_ts == trusted.not_after.timestamp()
    token = _status_lists(signer, trust_list, 0, exp=T0 + timedelta(days=2))[0]
    assert token.expires_ts == token.expires_at.timestamp()
    assert _status_lists(signer, trust_list, 0, exp=None)[0].expires_ts is None


def test_fast_path_never_raises_on_strange_status_lists(signer, trust_list) -> None:
    payload = issue_rc1(make_card(), signer, issued_at=ISSUED)
    for lists in (42, [object()], {URI: "not a list"}):
        result = verify(payload, trust_list=trust_list, status_lists=lists, at=DAY)  # type: ignore[arg-type]
        assert result.status == "malformed" and result.checks[-1].step == "internal"


def _signed(claims: bytes, signer) -> str:
    return encode_payload(sign1(claims, signer.private_key, signer.kid))


@pytest.mark.parametrize(
    ("claims", "detail"),
    [
        (b"\x1c", "not valid CBOR"),  # reserved additional information
        (b"\x63\xff\xfe\xfd", "not valid CBOR"),  # a text string that is not UTF-8
        (b"\xa0\x00", "unexpected bytes"),
        (b"\x82\x01\x02", "not a CBOR map of claims"),
    ],
)
def test_signed_claims_that_are_no_cbor_map_are_reported_by_the_fast_path(
    signer, trust_list, claims: bytes, detail: str
) -> None:
    text = _signed(claims, signer)
    fast = _verify_rc1_fast(text, trust_list, None, DAY)
    assert (
        fast is not None and fast.checks[-1].step == "claims" and detail in fast.checks[-1].detail
    )
    assert _same_verdict(text, trust_list, None, DAY).status == "malformed"


@FAST
@given(st.one_of(st.binary(max_size=200), cbor_values.map(cbor2.dumps)))
def test_verdicts_agree_on_any_signed_claims(signer, trust_list, claims: bytes) -> None:
    result = _same_verdict(_signed(claims, signer), trust_list, None, DAY)
    assert not result.valid
