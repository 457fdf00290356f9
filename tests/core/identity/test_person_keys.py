"""The keyed person index's keys (issue 11, one person one card)."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.core.identity.person import (
    name_key,
    normalise_name,
    normalise_passport_number,
    passport_key,
)

SECRET = bytes(range(32))
OTHER = bytes(range(1, 33))


def test_passport_numbers_are_normalised_before_keying():
    a = passport_key(SECRET, nationality="RU", number="75 123-4567")
    assert a == passport_key(SECRET, nationality="ru", number="751234567")
    assert a != passport_key(SECRET, nationality="BY", number="751234567")
    assert passport_key(SECRET, nationality="RU", number=" - ") == ""


def test_the_key_is_keyed_not_a_plain_hash():
    key = passport_key(SECRET, nationality="RU", number="751234567")
    assert len(key) == 64
    assert key != passport_key(OTHER, nationality="RU", number="751234567")
    assert key != hashlib.sha256(b"751234567").hexdigest()
    assert key != hashlib.sha256(b"RU751234567").hexdigest()
    with pytest.raises(ValueError):
        passport_key(b"short", nationality="RU", number="751234567")


def test_a_cyrillic_and_a_latin_name_give_the_same_name_key():
    born = date(1990, 4, 27)
    latin = name_key(SECRET, surname="IVANOVA", given_names="ANNA", date_of_birth=born)
    cyrillic = name_key(SECRET, surname="Иванова", given_names="Анна Сергеевна", date_of_birth=born)
    assert latin == cyrillic
    assert normalise_name("Иванова", "Анна Сергеевна") == "IVANOVA<ANNA"
    assert latin != name_key(SECRET, surname="IVANOVA", given_names="ANNA", date_of_birth=None)
    assert latin != name_key(
        SECRET, surname="IVANOVA", given_names="ANNA", date_of_birth=date(1990, 4, 28)
    )
    # The two kinds of key never collide.
    assert latin != passport_key(SECRET, nationality="RU", number="IVANOVA<ANNA")


@given(st.text(max_size=30))
def test_normalising_a_passport_number_is_idempotent(text):
    once = normalise_passport_number(text)
    assert normalise_passport_number(once) == once
    assert all(c.isascii() and c.isalnum() and not c.islower() for c in once)
