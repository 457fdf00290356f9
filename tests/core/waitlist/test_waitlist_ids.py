"""Entry ids: random, well formed, with a check character that catches typing mistakes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.core.identifiers import ALPHABET
from relocard.core.waitlist import (
    ENTRY_ID_EXAMPLE,
    EntryIdError,
    entry_id_is_valid,
    is_entry_id,
    new_entry_id,
    normalise_entry_id,
)


def test_new_ids_are_canonical_valid_and_distinct() -> None:
    ids = {new_entry_id() for _ in range(2000)}
    assert len(ids) == 2000
    for entry in list(ids)[:200]:
        assert is_entry_id(entry) and len(entry) == len("HV-XXXX-XXXX-XXXX-XXXX")
    assert is_entry_id(ENTRY_ID_EXAMPLE)


@given(st.sampled_from([new_entry_id() for _ in range(20)]), st.integers(3, 21), st.data())
def test_every_single_mistyped_character_is_caught(
    entry: str, index: int, data: st.DataObject
) -> None:
    if entry[index] == "-":
        index += 1
    wrong = data.draw(st.sampled_from([c for c in ALPHABET if c != entry[index]]))
    typo = entry[:index] + wrong + entry[index + 1 :]
    assert not is_entry_id(typo)
    assert not entry_id_is_valid(typo)


def test_people_may_type_it_loosely() -> None:
    typed = ENTRY_ID_EXAMPLE.lower().replace("-", " ").replace("0", "o")
    assert normalise_entry_id(typed) == ENTRY_ID_EXAMPLE
    assert normalise_entry_id(ENTRY_ID_EXAMPLE.replace("-", "")) == ENTRY_ID_EXAMPLE
    # The ledger itself holds ids only in canonical form.
    assert not is_entry_id(ENTRY_ID_EXAMPLE.lower())


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("FR-K3M9-QXA7-PD2Y-B8NN", "starts with HV"),
        ("HV-K3M9-QXA7-PD2Y", "16 letters or digits"),
        ("HV-K3M9-QXA7-PD2Y-B8NU", "16 letters or digits"),  # U is not in the alphabet
        ("HV-K3M9-QXA7-PD2Y-B8NM", "typing mistake"),
        ("", "starts with HV"),
    ],
)
def test_bad_ids_say_what_is_wrong(typed: str, message: str) -> None:
    with pytest.raises(EntryIdError, match=message):
        normalise_entry_id(typed)
    assert not entry_id_is_valid(typed)


def test_non_strings_are_not_ids() -> None:
    assert not is_entry_id(None) and not is_entry_id(42)
