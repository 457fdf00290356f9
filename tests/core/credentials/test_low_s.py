"""ECDSA malleability: our issuers write a low s, our verifiers refuse a high one.

An ES256 signature (r, s) also verifies as (r, n - s). Each test takes one of our signed
documents, replaces s by n - s (which the bare ECDSA check accepts: asserted), and checks
that our verifier refuses it, while the document as issued still verifies.
"""

from __future__ import annotations

import base64
import zlib
from datetime import date, timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from relocard.core.credentials import (
    SignatureError,
    StatusList,
    StatusListError,
    TrustList,
    TrustListError,
    base45,
    build_trust_list,
    issue_card_vc,
    issue_rc1,
    status_list_from_jwt,
    verify,
)
from relocard.core.credentials._jose import low_s_jws, require_low_s_jws
from relocard.core.credentials.cose import (
    P256_ORDER,
    decode_sign1,
    es256_der,
    es256_is_low_s,
    es256_low_s,
    sig_structure,
    sign1,
    verify_sign1,
)
from relocard.core.credentials.rc1 import encode_payload

from .conftest import ISSUED, T0, URI, make_card

DAY = date(2025, 6, 1)
_ECDSA = ec.ECDSA(hashes.SHA256())


def _flip(signature: bytes) -> bytes:
    """The other valid signature of the same message: s replaced by n - s."""
    s = int.from_bytes(signature[32:], "big")
    return signature[:32] + (P256_ORDER - s).to_bytes(32, "big")


def _cose(payload: str) -> bytes:
    return zlib.decompress(base45.decode(payload[4:]))


def _flip_jws(token: str) -> str:
    head, _, sig = token.rpartition(".")
    raw = base64.urlsafe_b64decode(sig + "==")
    return head + "." + base64.urlsafe_b64encode(_flip(raw)).rstrip(b"=").decode()


def _jws_signature(token: str) -> bytes:
    return base64.urlsafe_b64decode(token.rpartition(".")[2] + "==")


def test_our_rc1_signatures_are_always_low_s(signer) -> None:
    # Without normalisation half are high: 64 in a row low by chance is 2**-64.
    for i in range(64):
        payload = issue_rc1(make_card(card_number=f"FR-{i}"), signer, issued_at=ISSUED)
        assert es256_is_low_s(decode_sign1(_cose(payload)).signature)


def test_a_flipped_s_rc1_payload_verifies_raw_but_is_refused(signer, trust_list) -> None:
    payload = issue_rc1(make_card(), signer, issued_at=ISSUED)
    message = decode_sign1(_cose(payload))
    flipped = _flip(message.signature)
    # The bare ECDSA check accepts the flipped signature: that is the malleability.
    public_key = trust_list.signer(signer.kid).public_key
    public_key.verify(es256_der(flipped), sig_structure(message.protected, message.payload), _ECDSA)
    cose = _cose(payload)
    forged = encode_payload(cose[:-64] + flipped)
    assert verify(payload, trust_list=trust_list, at=DAY).checks[6].ok is True
    result = verify(forged, trust_list=trust_list, at=DAY)
    assert result.status == "bad_signature" and not result.valid and result.claims == {}
    assert result.checks[-1].step == "signature" and "high s" in result.checks[-1].detail
    with pytest.raises(SignatureError, match="high s"):
        verify_sign1(decode_sign1(cose[:-64] + flipped), public_key)
    verify_sign1(decode_sign1(cose[:-64] + flipped), public_key, allow_high_s=True)


def test_sign1_normalises_every_signature(signer) -> None:
    for i in range(32):
        message = decode_sign1(sign1(bytes([i]) * 10, signer.private_key, signer.kid))
        assert es256_is_low_s(message.signature)


def test_low_s_helpers() -> None:
    half = P256_ORDER // 2
    r = b"\x01" * 32
    assert es256_low_s(r, half.to_bytes(32, "big")) == r + half.to_bytes(32, "big")
    assert es256_low_s(r, (half + 1).to_bytes(32, "big")) == r + (half).to_bytes(32, "big")
    assert es256_is_low_s(r + half.to_bytes(32, "big"))
    assert not es256_is_low_s(r + (half + 1).to_bytes(32, "big"))
    assert not es256_is_low_s(r)  # not 64 bytes


def _status_jwt(signer, **kwargs) -> str:
    return StatusList(64).to_jwt(
        signer, uri=URI, iat=T0, exp=T0 + timedelta(days=9999), ttl=10**9, **kwargs
    )


def test_status_lists_are_low_s_and_a_flipped_one_is_refused(signer, trust_list) -> None:
    tokens = [_status_jwt(signer) for _ in range(24)]
    assert all(es256_is_low_s(_jws_signature(t)) for t in tokens)
    token = tokens[0]
    assert status_list_from_jwt(token, trust_list.signer).uri == URI
    with pytest.raises(StatusListError, match="high s"):
        status_list_from_jwt(_flip_jws(token), trust_list.signer)


def test_trust_lists_are_low_s_and_a_flipped_one_is_refused(keystore) -> None:
    signed = build_trust_list(keystore, now=T0, valid_for=timedelta(days=3650))
    assert es256_is_low_s(_jws_signature(signed))
    anchor = keystore.programme_certificate()
    TrustList.from_signed(signed, anchor, at=T0)
    with pytest.raises(TrustListError, match="high s"):
        TrustList.from_signed(_flip_jws(signed), anchor, at=T0)


def test_sd_jwt_vcs_are_low_s_and_a_flipped_one_is_refused(signer, trust_list) -> None:
    vc = issue_card_vc(
        make_card(),
        signer,
        vct="https://relocard.example/card",
        issuer="https://relocard.example",
        issued_at=ISSUED,
    )
    jwt, _, rest = vc.partition("~")
    assert es256_is_low_s(_jws_signature(jwt))
    assert verify(vc, trust_list=trust_list, at=DAY).checks[2].ok is True
    result = verify(_flip_jws(jwt) + "~" + rest, trust_list=trust_list, at=DAY)
    assert result.status == "bad_signature" and "high s" in result.checks[-1].detail


def test_low_s_jws_keeps_the_token_valid(signer) -> None:
    token = _status_jwt(signer)
    high = token if not es256_is_low_s(_jws_signature(token)) else _flip_jws(token)
    assert not es256_is_low_s(_jws_signature(high))
    fixed = low_s_jws(high)
    assert fixed.rpartition(".")[0] == high.rpartition(".")[0]
    require_low_s_jws(fixed)
    with pytest.raises(SignatureError):
        require_low_s_jws(high)
    with pytest.raises(SignatureError):
        low_s_jws("a.b.c")
