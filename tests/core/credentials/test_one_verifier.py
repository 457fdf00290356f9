"""One RC1 parser and verifier, checked against an independent pipeline built on python-cwt.

:func:`relocard.core.credentials.verify` is the only reader of ``RC1:`` payloads. Here it is
compared with a reference that shares none of its COSE, signature or claims code: python-cwt
decodes the COSE_Sign1 message and checks its ES256 signature, and the card's claims are read
from python-cwt's payload with plain cbor2 and dictionary look-ups. On valid cards drawn
widely the two agree on every claim; on mutated messages and text, whatever our verifier
accepts the reference accepts too, with the same claims. Also here: the speed-ups inside the
one path (DER conversion, the reused encoder, hand-written dataclass initialisers) against
what they stand in for.
"""

from __future__ import annotations

import dataclasses
import zlib
from datetime import UTC, date, datetime, time, timedelta

import cbor2
import cwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from relocard.core.credentials import (
    INVALID,
    STATUSES,
    SUSPENDED,
    CardClaims,
    ClaimsError,
    StatusList,
    StatusRef,
    base45,
    issue_rc1,
    status_list_from_jwt,
    verify,
)
from relocard.core.credentials.cose import (
    Sign1,
    _der_to_raw,
    decode_sign1,
    es256_der,
    sign1,
    verify_sign1,
)
from relocard.core.credentials.rc1 import (
    EU_MEMBER_STATES,
    KINDS,
    card_to_cwt,
    cbor_dumps,
    day_start,
    deflate,
    encode_payload,
)
from relocard.core.credentials.verify import Check, Verification
from relocard.core.eu import member_state_zone

from .conftest import ISSUED, T0, URI, make_card

DAY = date(2025, 6, 1)
FAST = settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])

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


_SIGNING_KEY = ec.generate_private_key(ec.SECP256R1())
_KID = bytes(range(8))


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
    claims_map = card_to_cwt(card, issued)
    assert claims_map[5] == int(card.not_before.timestamp())
    assert claims_map[4] == int(card.expires.timestamp())
    assert claims_map[5] == day_start(card.valid_from, card.member_state)
    assert claims_map[65535] == {"status_list": card.status.to_dict()}


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    st.sampled_from(["FR", "CY", "PL", "PT", "IE"]),
)
def test_day_start_is_midnight_in_the_member_state(day: date, member_state: str) -> None:
    """A card's dates are days of its issuing state (its capital's zone, core.eu)."""
    midnight = datetime.combine(day, time(0), tzinfo=member_state_zone(member_state))
    assert day_start(day, member_state) == int(midnight.timestamp())


@settings(max_examples=50)
@given(st.binary(max_size=2), st.integers(0, 400))
def test_sign1_writes_the_layout_decode_sign1_reads(extra: bytes, size: int) -> None:
    payload = extra + b"q" * size
    data = sign1(payload, _SIGNING_KEY, _KID)
    message = decode_sign1(data)
    assert message.payload == payload and message.kid == _KID
    assert cbor2.loads(data).value[2] == payload
    verify_sign1(message, _SIGNING_KEY.public_key())


# --- the one verifier against python-cwt --------------------------------------------------------


@pytest.fixture(scope="module")
def reference(signer, trust_list):
    """``text -> claims dict or None``: RC1 verified by python-cwt, without our COSE, signature
    or claims code (the Base45 and zlib layers are plain library calls)."""
    public_key = trust_list.signer(signer.kid).public_key
    key = cwt.COSEKey.from_pem(
        public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo),
        alg="ES256",
        kid=signer.kid,
    )
    reader = cwt.COSE.new()

    def run(text: str) -> tuple[bool, dict | None]:
        """Whether the signature held, and the card's claims (None if not a card)."""
        try:
            if not text.startswith("RC1:"):
                return False, None
            message = zlib.decompress(base45.decode(text[4:]))
            # RC1 knows from its context that the message is a COSE_Sign1 (RFC 9052, 2):
            # an outer CWT tag (61) is dropped and a missing tag 18 supplied, as ours does.
            if message.startswith(b"\xd8\x3d"):
                message = message[2:]
            if not message.startswith(b"\xd2"):
                message = b"\xd2" + message
            payload = reader.decode(message, key)
        except Exception:  # any refusal or crash of the reference: it did not accept
            return False, None
        try:
            claims = cbor2.loads(payload)
            card = claims[-65537]
            return True, {
                "kind": card[1],
                "card_number": card[2],
                "family_name": card[3],
                "given_name": card[4],
                "date_of_birth": card[5],
                "member_state": claims[1],
                "valid_from": card[6],
                "valid_until": card[7],
                "status_list": dict(claims[65535]["status_list"]),
            }
        except Exception:  # signed, but not a card's claims
            return True, None

    return run


def _status_lists(signer, trust_list, value: int, *, exp: datetime | None):
    lst = StatusList(64)
    lst.set(17, value)
    token = lst.to_jwt(signer, uri=URI, iat=T0, exp=exp, ttl=10**9)
    return [status_list_from_jwt(token, trust_list.signer)]


def _signature_held(result: Verification) -> bool:
    return any(c.step == "signature" and c.ok for c in result.checks)


def _agrees(text: str, trust_list, reference, status_lists=None, at=DAY) -> Verification:
    """Our verdict, checked against the reference: what we accept, it accepts, same claims."""
    ours = verify(text, trust_list=trust_list, status_lists=status_lists, at=at)
    assert ours.status in STATUSES
    signature_held, theirs = reference(text)
    if _signature_held(ours):
        assert signature_held, "we accepted a signature python-cwt refuses"
    if ours.claims:
        assert ours.claims == theirs
    return ours


@FAST
@given(
    card=cards(state=st.just("FR")),
    issued=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
)
def test_on_any_card_we_read_what_python_cwt_reads(
    signer, trust_list, reference, card: CardClaims, issued: datetime
) -> None:
    payload = issue_rc1(card, signer, issued_at=issued)
    ours = _agrees(payload, trust_list, reference, at=card.valid_from)
    assert _signature_held(ours) and ours.claims  # both accepted: the comparison ran
    assert ours.claims == reference(payload)[1]


@FAST
@given(
    card=cards(state=st.just("FR")),
    at=st.one_of(
        st.dates(date(2024, 1, 1), date(2030, 1, 1)),
        st.datetimes(datetime(2024, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
        st.datetimes(datetime(2024, 1, 1), datetime(2030, 1, 1)),
    ),
    status=st.sampled_from([0, INVALID, SUSPENDED, 3, None]),
    stale=st.booleans(),
)
def test_verdicts_on_any_card_date_and_status(
    signer, trust_list, reference, card, at, status, stale
) -> None:
    card = dataclasses.replace(card, status=StatusRef(17, URI))
    assume(card.valid_from.year >= 2000)
    payload = issue_rc1(card, signer, issued_at=ISSUED)
    lists = (
        None
        if status is None
        else _status_lists(
            signer, trust_list, status, exp=T0 + timedelta(days=1 if stale else 9999)
        )
    )
    ours = _agrees(payload, trust_list, reference, lists, at)
    assert ours.claims == reference(payload)[1]


@pytest.fixture(scope="module")
def payload(signer) -> str:
    return issue_rc1(make_card(), signer, issued_at=ISSUED)


def _cose_of(payload: str) -> bytes:
    return zlib.decompress(base45.decode(payload[4:]))


@FAST
@given(st.data())
def test_on_mutated_cose_messages_we_accept_nothing_python_cwt_refuses(
    payload, trust_list, reference, data
) -> None:
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
    result = _agrees(encode_payload(mutated), trust_list, reference)
    if where == "signature":
        assert result.status == "bad_signature"


@FAST
@given(st.data())
def test_on_mutated_text_we_accept_nothing_python_cwt_refuses(
    payload, trust_list, reference, data
) -> None:
    cut = data.draw(st.integers(0, len(payload)))
    pos = data.draw(st.integers(0, len(payload) - 1))
    char = data.draw(st.sampled_from(base45.ALPHABET + "a~ \n"))
    for text in (payload[:cut], payload[:pos] + char + payload[pos + 1 :]):
        _agrees(text, trust_list, reference)


def _signed(claims: bytes, signer) -> str:
    return encode_payload(sign1(claims, signer.private_key, signer.kid))


@FAST
@given(st.one_of(st.binary(max_size=200), cbor_values.map(cbor2.dumps)))
def test_on_any_signed_claims_we_accept_no_card_python_cwt_would_not_read(
    signer, trust_list, reference, claims: bytes
) -> None:
    result = _agrees(_signed(claims, signer), trust_list, reference)
    assert not result.valid


def test_every_form_of_status_lists_gives_the_same_verdict(signer, trust_list) -> None:
    payload = issue_rc1(make_card(), signer, issued_at=ISSUED)
    tokens = _status_lists(signer, trust_list, SUSPENDED, exp=None)
    for form in (
        {URI: tokens[0]},
        {URI: tokens[0].status_list},
        tuple(tokens),
        (t for t in tokens),
        tokens,
    ):
        assert verify(payload, trust_list=trust_list, status_lists=form, at=DAY).status == (
            "suspended"
        )


def test_the_verifier_never_raises_on_strange_status_lists(signer, trust_list) -> None:
    payload = issue_rc1(make_card(), signer, issued_at=ISSUED)
    for lists in (42, [object()], {URI: "not a list"}):
        result = verify(payload, trust_list=trust_list, status_lists=lists, at=DAY)  # type: ignore[arg-type]
        assert result.status == "malformed" and result.checks[-1].step == "internal"


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
    assert verdict == Verification(valid=True, status="valid", claims={"a": 1}, checks=(check,))
    assert dataclasses.replace(verdict, valid=False).valid is False
    assert not hasattr(check, "__dict__")


def test_cards_status_refs_and_messages_keep_their_dataclass_behaviour() -> None:
    card = make_card()
    assert card == make_card() and hash(card) == hash(make_card())
    assert dataclasses.replace(card, kind="interim").kind == "interim"
    with pytest.raises(ClaimsError):  # the validator still runs on replace()
        dataclasses.replace(card, family_name="")
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.family_name = "X"  # type: ignore[misc]
    assert CardClaims(**{f.name: getattr(card, f.name) for f in dataclasses.fields(card)}) == card
    assert make_card(kind="card") == CardClaims(
        *[getattr(card, f.name) for f in dataclasses.fields(card)]
    )
    ref = StatusRef(idx=3, uri=URI)
    assert ref == StatusRef(3, URI) and repr(ref) == f"StatusRef(idx=3, uri={URI!r})"
    for bad in (True, -1, "3", 1.0):
        with pytest.raises(ClaimsError):
            StatusRef(bad, URI)  # type: ignore[arg-type]
    with pytest.raises(ClaimsError):
        make_card(status=(3, URI))
    with pytest.raises(ClaimsError):
        make_card(valid_from=datetime(2025, 1, 2, tzinfo=UTC))
    message = Sign1(b"", {}, {}, b"p", b"s")
    assert message.tagged_cwt is False and message == Sign1(b"", {}, {}, b"p", b"s", False)
    assert dataclasses.replace(message, payload=b"q").payload == b"q"
