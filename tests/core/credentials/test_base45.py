from __future__ import annotations

import numpy as np
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


# --- the fast codec against the numpy one it replaced and a one-group-at-a-time one ----------

_ALPHABET_BYTES = ALPHABET.encode("ascii")
_DIGIT = {ch: i for i, ch in enumerate(ALPHABET)}


def _numpy_encode(data: bytes) -> str:
    """The previous implementation (numpy), kept as an oracle."""
    n = len(data)
    words = np.frombuffer(data, dtype=">u2", count=n // 2).astype(np.uint32)
    digits = np.empty((len(words), 3), dtype=np.uint8)
    rest, digits[:, 0] = np.divmod(words, 45)
    digits[:, 2], digits[:, 1] = np.divmod(rest, 45)
    out = digits.tobytes()
    if n % 2:
        d, c = divmod(data[-1], 45)
        out += bytes((c, d))
    return out.translate(_ALPHABET_BYTES + bytes(256 - 45)).decode("ascii")


def _numpy_decode(text: str) -> bytes:
    """The previous implementation (numpy), kept verbatim as an oracle, messages included."""
    try:
        raw = text.encode("ascii")
    except (UnicodeEncodeError, AttributeError):
        raise Base45Error(
            "Base45 text may only contain the characters 0-9, A-Z, space and $%*+-./:"
        ) from None
    digits = raw.translate(bytes(_DIGIT.get(chr(b), 0xFF) for b in range(256)))
    if 0xFF in digits:
        pos = digits.index(0xFF)
        raise Base45Error(
            f"character {text[pos]!r} at position {pos} is not in the Base45 alphabet "
            "(0-9, A-Z, space and $%*+-./:)"
        )
    n = len(digits)
    if n % 3 == 1:
        raise Base45Error(
            f"Base45 text of {n} characters is truncated: its length must not be 1 more "
            "than a multiple of 3"
        )
    full = n - n % 3
    groups = np.frombuffer(digits, dtype=np.uint8, count=full).reshape(-1, 3)
    values = groups @ np.array([1, 45, 2025], dtype=np.uint32)
    if len(values) and int(values.max()) > 0xFFFF:
        i = int(np.argmax(values > 0xFFFF)) * 3
        raise Base45Error(
            f"characters {i}-{i + 2} encode {int(values[i // 3])}, more than two bytes can hold"
        )
    out = values.astype(">u2").tobytes()
    if full != n:
        value = digits[full] + digits[full + 1] * 45
        if value > 0xFF:
            raise Base45Error(
                f"the last two characters encode {value}, more than one byte can hold"
            )
        out += bytes((value,))
    return out


def _plain_decode(text: str) -> bytes:
    """RFC 9285 section 4.2, one group at a time."""
    if any(ch not in _DIGIT for ch in text):
        raise Base45Error("alphabet")
    if len(text) % 3 == 1:
        raise Base45Error("truncated")
    out = bytearray()
    for i in range(0, len(text), 3):
        chunk = [_DIGIT[ch] for ch in text[i : i + 3]]
        value = sum(d * 45**k for k, d in enumerate(chunk))
        if value > (0xFFFF if len(chunk) == 3 else 0xFF):
            raise Base45Error("too large")
        out += value.to_bytes(2 if len(chunk) == 3 else 1, "big")
    return bytes(out)


def _outcome(fn, text: str) -> bytes | str:
    """The decoded bytes, or the error message."""
    try:
        return fn(text)
    except Base45Error as exc:
        return str(exc)


_near_base45 = st.text(alphabet=ALPHABET + "ab\n~é", max_size=120) | st.text(
    alphabet=ALPHABET, max_size=9000
)


@given(st.binary(max_size=2000))
def test_encode_agrees_with_numpy_and_plain_versions(data: bytes) -> None:
    text = encode(data)
    assert text == _numpy_encode(data)
    assert _plain_decode(text) == data


@given(st.binary(min_size=8200, max_size=9000))
def test_encode_beyond_the_precomputed_lanes(data: bytes) -> None:
    # 4,096 two-byte groups have prebuilt masks; longer input builds its own.
    assert encode(data) == _numpy_encode(data)
    assert decode(encode(data)) == data


@given(_near_base45)
def test_decode_agrees_with_numpy_version_on_any_text(text: str) -> None:
    assert _outcome(decode, text) == _outcome(_numpy_decode, text)


@given(_near_base45)
def test_decode_agrees_with_plain_version_on_any_text(text: str) -> None:
    ours = _outcome(decode, text)
    plain = _outcome(_plain_decode, text)
    if isinstance(ours, bytes):
        assert ours == plain
    else:
        assert not isinstance(plain, bytes)


@given(
    st.lists(st.integers(0, 44), min_size=2, max_size=60).map(
        lambda ds: "".join(ALPHABET[d] for d in ds)
    )
)
def test_decode_agrees_on_group_values_near_the_limit(text: str) -> None:
    # Random digits reach the 0xFFFF and 0xFF limits often: both codecs must refuse the
    # same first group, with the same message.
    assert _outcome(decode, text) == _outcome(_numpy_decode, text)


@pytest.mark.parametrize("groups", [1, 4095, 4096, 4097, 6000])
def test_too_large_group_found_at_any_position(groups: int) -> None:
    text = "000" * (groups - 1) + "GGW"
    with pytest.raises(Base45Error, match=f"characters {3 * groups - 3}-{3 * groups - 1} "):
        decode(text)
    assert decode("000" * groups) == bytes(2 * groups)


def test_decode_refuses_non_text() -> None:
    with pytest.raises(Base45Error, match="may only contain"):
        decode(b"QED8WEX0")  # type: ignore[arg-type]


@given(st.binary(max_size=100))
def test_encode_takes_any_bytes_like(data: bytes) -> None:
    text = encode(data)
    assert encode(bytearray(data)) == text
    assert encode(memoryview(data)) == text
    assert encode(memoryview(b"x" + data)[1:]) == text
