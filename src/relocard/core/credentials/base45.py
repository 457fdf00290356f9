"""Base45 (RFC 9285), the text encoding of the QR payload.

Written here rather than taken from a package: it is short, it sits on the hot path of every
verification and issuance (the benchmark wants the verifier within 25 % of a bare ES256
check), and the decoder must reject every malformed input with a precise
:class:`Base45Error` instead of an arbitrary exception.

Both directions work on all groups at once with Python's big integers, used as a vector of
fixed-width lanes: the digits become one integer (one lane of 24 or 32 bits per group),
masks and multiplications by small constants combine or split every lane in one C-level
operation, and no lane can carry into the next because each one is wide enough for its
largest intermediate value. On a card-sized payload (~250 bytes) this is 1.5x faster than
the numpy version it replaces (numpy pays ~1 us of call overhead per operation on such small
arrays), 5x faster than a dict of the 45**3 chunks (7 MB, and building 125 chunk objects per
payload costs more than the arithmetic) and needs no table at all. The tests check with
Hypothesis that both agree with a plain one-group-at-a-time version and with the numpy one,
on valid and invalid input alike (same bytes, same error).
"""

from __future__ import annotations

from .errors import Base45Error

__all__ = ["ALPHABET", "decode", "encode"]

#: The 45 characters, in value order; all of them are in the QR code's alphanumeric mode.
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

_INVALID = 0xFF
# byte -> digit value (0..44), or 0xFF for a character outside the alphabet.
_DECODE_TABLE = bytes(
    ALPHABET.index(chr(b)) if chr(b) in ALPHABET else _INVALID for b in range(256)
)
# digit value (0..44) -> character, as a translate table over bytes.
_ENCODE_TABLE = ALPHABET.encode("ascii") + bytes(256 - 45)

_ALPHABET_HINT = "(0-9, A-Z, space and $%*+-./:)"

# Lane masks, built once for inputs up to _LANES groups (a maximal QR payload is ~2,800
# groups). ANDing with a longer mask is the same as ANDing with one of the exact length, as
# lanes are aligned at the least significant end; longer inputs build their own masks.
_LANES = 4096
# Decoding: one 24-bit lane per 3-character group, digits [c, d, e] big-endian.
_D_HI = int.from_bytes(b"\xff\x00\x00" * _LANES, "big")
_D_MID = _D_HI >> 8
_D_LO = _D_HI >> 16
# Encoding: one 32-bit lane per 2-byte group.
_E_LOW11 = int.from_bytes(b"\x00\x00\x07\xff" * _LANES, "big")
_E_FILL = int.from_bytes(b"\xff\x00\x00\x00" * _LANES, "big")
# floor(v / 45) == (v * _DIV45) >> 21 for every 0 <= v < 2**16, and v * _DIV45 < 2**32.
_DIV45 = 46604


def encode(data: bytes) -> str:
    """Encode bytes as Base45 text (two bytes -> three characters, a last byte -> two)."""
    if type(data) is not bytes:
        data = bytes(data)  # bytearray, memoryview: strided slices below need bytes
    n = len(data)
    pairs = n >> 1
    out = b""
    if pairs:
        if pairs <= _LANES:
            low11, fill = _E_LOW11, _E_FILL >> (32 * (_LANES - pairs))
        else:
            low11 = int.from_bytes(b"\x00\x00\x07\xff" * pairs, "big")
            fill = int.from_bytes(b"\xff\x00\x00\x00" * pairs, "big")
        # Spread each 16-bit value v into its own 32-bit lane: [0, 0, hi, lo].
        spread = bytearray(4 * pairs)
        spread[2::4] = data[0 : 2 * pairs : 2]
        spread[3::4] = data[1 : 2 * pairs : 2]
        v = int.from_bytes(spread, "big")
        # v = c + 45 * q, q = d + 45 * e: divisions by 45 as multiply-and-shift per lane.
        q = ((v * _DIV45) >> 21) & low11
        e = ((q * _DIV45) >> 21) & low11
        c = v - 45 * q
        d = q - 45 * e
        # Lanes [0xFF, c, d, e]: the 0xFF filler is deleted while mapping digits to text.
        lanes = fill | (c << 16) | (d << 8) | e
        out = lanes.to_bytes(4 * pairs, "big").translate(_ENCODE_TABLE, b"\xff")
    if n & 1:
        hi, lo = divmod(data[-1], 45)
        out += bytes((_ENCODE_TABLE[lo], _ENCODE_TABLE[hi]))
    return out.decode("ascii")


def decode(text: str) -> bytes:
    """Decode Base45 text; raise :class:`Base45Error` saying where and why it is invalid."""
    digits = _digits(text)
    n = len(digits)
    rest = n % 3
    if rest == 1:
        _truncated(n)
    full = n - rest
    out = b""
    if full:
        groups = full // 3
        if groups <= _LANES:
            hi, mid, lo = _D_HI, _D_MID, _D_LO
        else:
            hi = int.from_bytes(b"\xff\x00\x00" * groups, "big")
            mid, lo = hi >> 8, hi >> 16
        x = int.from_bytes(digits[:full] if rest else digits, "big")
        # Per lane c + 45 * d + 2025 * e <= 91124 < 2**24: no carry between lanes.
        values = ((x & hi) >> 16) + 45 * ((x & mid) >> 8) + 2025 * (x & lo)
        if values & hi:  # some group is above 0xFFFF: find and name it
            _too_large(digits[:full])
        lanes = values.to_bytes(full, "big")  # [0, high byte, low byte] per group
        buf = bytearray(2 * groups)
        buf[0::2] = lanes[1::3]
        buf[1::2] = lanes[2::3]
        out = bytes(buf)
    if rest:
        value = digits[full] + digits[full + 1] * 45
        if value > 0xFF:
            raise Base45Error(
                f"the last two characters encode {value}, more than one byte can hold"
            )
        out += bytes((value,))
    return out


def _digits(text: str) -> bytes:
    """The digit value of every character, or :class:`Base45Error` for the first bad one."""
    try:
        raw = text.encode("ascii")
    except (UnicodeEncodeError, AttributeError):
        raise Base45Error(
            "Base45 text may only contain the characters 0-9, A-Z, space and $%*+-./:"
        ) from None
    digits = raw.translate(_DECODE_TABLE)
    if _INVALID in digits:
        pos = digits.index(_INVALID)
        raise Base45Error(
            f"character {text[pos]!r} at position {pos} is not in the Base45 alphabet "
            f"{_ALPHABET_HINT}"
        )
    return digits


def _truncated(n: int) -> None:
    raise Base45Error(
        f"Base45 text of {n} characters is truncated: its length must not be 1 more "
        "than a multiple of 3"
    )


def _too_large(digits: bytes) -> None:
    for i in range(0, len(digits), 3):
        value = digits[i] + digits[i + 1] * 45 + digits[i + 2] * 2025
        if value > 0xFFFF:
            raise Base45Error(
                f"characters {i}-{i + 2} encode {value}, more than two bytes can hold"
            )
    raise AssertionError("unreachable: a group above 0xFFFF was detected")  # pragma: no cover
