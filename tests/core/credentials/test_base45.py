from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.core.credentials import Base45Error
from relocard.core.credentials.base45 import ALPHABET, decode, encode


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"AB", "BB8"),
        (b"Hello!!", "%69 VD92EX0"),
        (b"base-45", "UJCLQE7W581"),
        (b"ietf!", "QED8WEX0"),
        (b"", ""),
    ],
)
def test_rfc_9285_examples(raw: bytes, text: str) -> None:
    assert encode(raw) == text
    assert decode(text) == raw


@given(st.binary(max_size=600))
def test_round_trip(data: bytes) -> None:
    text = encode(data)
    assert set(text) <= set(ALPHABET)
    assert len(text) == len(data) // 2 * 3 + len(data) % 2 * 2
    assert decode(text) == data


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("GGW", "more than two bytes"),  # 65536
        (":::", "more than two bytes"),
        ("ZZ", "more than one byte"),
        ("A", "truncated"),
        ("ABCD", "truncated"),
        ("ab", "not in the Base45 alphabet"),
        ("QED8WEX0\n", "not in the Base45 alphabet"),
        ("Привет", "may only contain"),
    ],
)
def test_invalid_text_says_why(text: str, message: str) -> None:
    with pytest.raises(Base45Error, match=message):
        decode(text)


def test_error_names_the_position() -> None:
    with pytest.raises(Base45Error, match="position 4"):
        decode("QED8wEX0")


@given(st.text(max_size=300))
def test_decode_raises_only_base45_error(text: str) -> None:
    try:
        out = decode(text)
    except Base45Error:
        return
    assert encode(out) == text
