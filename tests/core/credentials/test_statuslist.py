from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.core.credentials import StatusList, StatusListError, status_list_from_jwt

from .conftest import T0, URI


@given(
    bits=st.sampled_from([1, 2, 4, 8]),
    writes=st.lists(st.tuples(st.integers(0, 299), st.integers(0, 255)), max_size=60),
)
def test_set_get_matches_a_plain_list_and_survives_encoding(bits, writes) -> None:
    lst = StatusList(300, bits)
    model = [0] * 300
    for idx, value in writes:
        value &= (1 << bits) - 1
        lst.set(idx, value)
        model[idx] = value
    assert [lst.get(i) for i in range(300)] == model
    again = StatusList.from_json(lst.to_json())
    assert [again[i] for i in range(300)] == model
    assert StatusList.from_cbor(lst.to_cbor()).to_bytes() == lst.to_bytes()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: StatusList(8, 3), "bits must be"),
        (lambda: StatusList(0), "size must be"),
        (lambda: StatusList(8).set(8, 1), "outside"),
        (lambda: StatusList(8).get(-1), "outside"),
        (lambda: StatusList(8, 1).set(0, 2), "does not fit"),
        (lambda: StatusList.from_json({"bits": 2, "lst": "***"}), "base64url"),
        (lambda: StatusList.from_json({"bits": 2, "lst": "eNo"}), "zlib"),
        (lambda: StatusList.from_json({"bits": 5, "lst": "eNrbuRgAAhcBXQ"}), "bits must"),
        (lambda: StatusList.from_json([]), "object"),
        (lambda: StatusList.from_cbor(b"\xff\xff"), "CBOR|map"),
    ],
)
def test_errors_say_what_is_wrong(call, message) -> None:
    with pytest.raises(StatusListError, match=message):
        call()


def test_jwt_round_trip_and_refusals(signer, keystore, trust_list) -> None:
    lst = StatusList(100)
    lst.set(3, 2)
    token = lst.to_jwt(signer, uri=URI, iat=T0, exp=T0 + timedelta(hours=1), ttl=600)
    parsed = status_list_from_jwt(token, trust_list.signer)
    assert (parsed.uri, parsed.ttl, parsed.member_state) == (URI, 600, "FR")
    assert parsed.status_list.get(3) == 2
    with pytest.raises(StatusListError, match="unknown key"):
        status_list_from_jwt(token, lambda kid: None)
    header, payload, sig = token.split(".")
    forged = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    with pytest.raises(StatusListError, match="signature"):
        status_list_from_jwt(f"{header}.{payload}.{forged}", trust_list.signer)
    with pytest.raises(StatusListError, match="not a compact JWT"):
        status_list_from_jwt("garbage", trust_list.signer)
    with pytest.raises(StatusListError, match="ttl"):
        lst.to_jwt(signer, uri=URI, iat=T0, ttl=0)
