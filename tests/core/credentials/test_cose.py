from __future__ import annotations

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from hypothesis import given
from hypothesis import strategies as st

from relocard.core.credentials import CoseError, SignatureError
from relocard.core.credentials.cose import (
    ALG_PS256,
    HEADER_ALG,
    HEADER_KID,
    decode_sign1,
    sig_structure,
    sign1,
    verify_sign1,
)

KEY = ec.generate_private_key(ec.SECP256R1())
KID = b"\x01\x02\x03\x04\x05\x06\x07\x08"


def test_sign_and_verify_round_trip() -> None:
    msg = decode_sign1(sign1(b"payload", KEY, KID))
    assert msg.payload == b"payload"
    assert msg.kid == KID
    assert msg.alg == -7
    verify_sign1(msg, KEY.public_key())


def test_fast_path_header_equals_decoded_header() -> None:
    msg = decode_sign1(sign1(b"x", KEY, KID))
    assert dict(msg.protected_header) == cbor2.loads(msg.protected)


def test_sig_structure_matches_cbor2_encoding() -> None:
    for payload in (b"", b"a" * 23, b"a" * 24, b"a" * 300, b"a" * 70000):
        expected = cbor2.dumps(["Signature1", b"\xa1\x01\x26", b"", payload])
        assert sig_structure(b"\xa1\x01\x26", payload) == expected


def test_a_changed_payload_fails() -> None:
    parts = list(cbor2.loads(sign1(b"payload", KEY, KID)).value)
    parts[2] = b"payloaD"
    with pytest.raises(SignatureError, match="does not match"):
        verify_sign1(decode_sign1(cbor2.dumps(cbor2.CBORTag(18, parts))), KEY.public_key())


def test_a_key_of_another_curve_is_refused() -> None:
    msg = decode_sign1(sign1(b"payload", KEY, KID))
    other = ec.generate_private_key(ec.SECP384R1()).public_key()
    with pytest.raises(SignatureError, match="P-256"):
        verify_sign1(msg, other)


def test_untagged_and_cwt_tagged_forms_decode() -> None:
    tagged = sign1(b"p", KEY, KID)
    untagged = sign1(b"p", KEY, KID, tag=False)
    assert decode_sign1(untagged).payload == b"p"
    cwt = cbor2.dumps(cbor2.CBORTag(61, cbor2.loads(tagged)))
    msg = decode_sign1(cwt)
    assert msg.tagged_cwt
    verify_sign1(msg, KEY.public_key())


def _message(protected: dict, unprotected: dict) -> bytes:
    return cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps(protected), unprotected, b"p", b"s" * 64]))


def test_protected_kid_wins_over_unprotected() -> None:
    msg = decode_sign1(_message({1: -7, 4: b"protected"}, {4: b"unprotected"}))
    assert msg.kid == b"protected"
    msg = decode_sign1(_message({1: -7}, {4: b"unprotected"}))
    assert msg.kid == b"unprotected"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no CBOR"),
        (b"\x9f\x01", "not valid CBOR"),
        (b"\x1c", "not valid CBOR"),
        (cbor2.dumps([1, 2, 3]), "array of 4"),
        (cbor2.dumps(cbor2.CBORTag(98, [b"", {}, b"", b""])), "not COSE_Sign1"),
        (cbor2.dumps([{}, {}, b"", b""]), "protected header is not a byte string"),
        (cbor2.dumps([b"", [], b"", b""]), "unprotected header is not a map"),
        (cbor2.dumps([b"", {}, None, b""]), "detached"),
        (cbor2.dumps([b"", {}, b"", "sig"]), "signature is not a byte string"),
        (cbor2.dumps([b"\x01", {}, b"", b""]), "protected header is not a map"),
        (cbor2.dumps([b"", {}, b"", b""]) + b"\x00", "unexpected bytes"),
    ],
)
def test_malformed_messages_say_which_part(data: bytes, message: str) -> None:
    with pytest.raises(CoseError, match=message):
        decode_sign1(data)


def test_unknown_algorithm_is_refused() -> None:
    msg = decode_sign1(_message({1: -8, 4: KID}, {}))
    with pytest.raises(SignatureError, match="not accepted"):
        verify_sign1(msg, KEY.public_key())


def test_ps256_verifies_with_an_rsa_key() -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    protected = cbor2.dumps({HEADER_ALG: ALG_PS256, HEADER_KID: KID})
    signature = rsa_key.sign(
        sig_structure(protected, b"payload"),
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )
    msg = decode_sign1(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, b"payload", signature])))
    verify_sign1(msg, rsa_key.public_key())
    with pytest.raises(SignatureError, match="RSA"):
        verify_sign1(msg, KEY.public_key())


@given(st.binary(max_size=400))
def test_decoding_arbitrary_bytes_raises_only_cose_error(data: bytes) -> None:
    try:
        msg = decode_sign1(data)
    except CoseError:
        return
    assert isinstance(msg.payload, bytes)


@given(st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=255))
def test_flipping_any_byte_never_verifies(position: int, value: int) -> None:
    data = bytearray(sign1(b"some payload", KEY, KID))
    position %= len(data)
    if data[position] == value:
        return
    data[position] = value
    try:
        verify_sign1(decode_sign1(bytes(data)), KEY.public_key())
    except (CoseError, SignatureError):
        return
    pytest.fail("a changed message verified")
