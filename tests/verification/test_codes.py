"""Share codes and check ids as typed: shape, entropy, normalisation (no database)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.verification import codes

PURPOSES = st.sampled_from(["work", "rent", "bank"])


def test_a_code_carries_at_least_40_random_bits():
    assert codes.CODE_LENGTH == 9
    assert codes.entropy_bits() >= 40
    assert codes.RANDOM_CHARS * math.log2(len(codes.ALPHABET)) >= 40


@pytest.mark.parametrize(("purpose", "letter"), [("work", "W"), ("rent", "R"), ("bank", "B")])
def test_the_first_letter_names_the_purpose(purpose, letter):
    code = codes.new_share_code(purpose)
    assert code[0] == letter and len(code) == 9
    assert codes.purpose_of(code) == purpose


def test_codes_differ():
    drawn = {codes.new_share_code("rent") for _ in range(2000)}
    assert len(drawn) == 2000


def test_unknown_purpose_is_refused():
    with pytest.raises(codes.CodeFormatError, match="work, rent or bank"):
        codes.new_share_code("visa")


@given(PURPOSES, st.sampled_from(["", " ", "-"]), st.booleans())
def test_a_code_survives_display_spacing_and_case(purpose, sep, lower):
    code = codes.new_share_code(purpose)
    typed = codes.display_code(code).replace(" ", sep)
    typed = typed.lower() if lower else typed
    assert codes.normalise_share_code(f"  {typed} ") == code


def test_crockford_aliases_are_read_as_digits():
    assert codes.normalise_share_code("rOI L23 456") == "R01123456"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("R7K3MX9Q", "9 letters"),
        ("R7K3MX9QHH", "9 letters"),
        ("X7K3MX9QH", "starts with W"),
        ("R7K3MX9QU", "only the letters"),
        ("R7K3MX9Q!", "only the letters"),
    ],
)
def test_malformed_codes_say_what_is_wrong(typed, message):
    with pytest.raises(codes.CodeFormatError, match=message):
        codes.normalise_share_code(typed)


@given(st.text(max_size=30))
def test_normalising_any_text_either_fails_cleanly_or_gives_a_code(text):
    try:
        code = codes.normalise_share_code(text)
    except codes.CodeFormatError:
        return
    assert len(code) == 9 and code[0] in "WRB"
    assert all(ch in codes.ALPHABET for ch in code[1:])
    assert codes.normalise_share_code(code) == code


def test_check_ids_are_unguessable_and_round_trip():
    check_id = codes.new_check_id()
    assert check_id.startswith("CHK-") and len(check_id) == 21
    assert codes.CHECK_ID_RANDOM_CHARS * 5 >= 64
    assert codes.normalise_check_id(check_id.lower().replace("-", " ")) == check_id
    assert codes.normalise_check_id(check_id[4:]) == check_id


def test_every_character_of_a_check_id_is_random():
    """One random draw feeds all 15 characters: each position takes every letter of the
    alphabet (a bit-slicing mistake would pin a position or leave letters out)."""
    seen = [set() for _ in range(codes.CHECK_ID_RANDOM_CHARS)]
    for _ in range(2000):
        body = codes.new_check_id()[4:].replace("-", "")
        for position, ch in enumerate(body):
            seen[position].add(ch)
    assert all(found == set(codes.ALPHABET) for found in seen)
    share = [set() for _ in range(codes.RANDOM_CHARS)]
    for _ in range(2000):
        for position, ch in enumerate(codes.new_share_code("rent")[1:]):
            share[position].add(ch)
    assert all(found == set(codes.ALPHABET) for found in share)


@given(st.text(max_size=40))
def test_check_id_parser_never_crashes(text):
    try:
        normalised = codes.normalise_check_id(text)
    except codes.CodeFormatError:
        return
    assert codes.normalise_check_id(normalised) == normalised
