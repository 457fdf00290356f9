"""The appointment draw: deterministic, recomputable from its record, and fair."""

from __future__ import annotations

import copy
import hashlib
import hmac
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.core.consular import (
    ALGORITHM,
    DrawError,
    RecordError,
    build_record,
    commitment,
    draw,
    new_seed,
    verify_record,
)

SEED = bytes(range(32))
ENTRIES = ["a1b2", "c3d4", "e5f6", "0a0b", "ffff"]
SLOTS = ["20261210T0900-01", "20261210T0900-02", "20261210T0930-01"]

ids = st.text(alphabet="abcdef0123456789", min_size=1, max_size=16)


def test_the_documented_algorithm_by_hand():
    rank = {e: hmac.new(SEED, e.encode(), hashlib.sha256).hexdigest() for e in ENTRIES}
    order = sorted(ENTRIES, key=lambda e: (rank[e], e))
    result = draw(SEED, ENTRIES, SLOTS)
    assert result.order == tuple(order)
    assert result.assignments == tuple(zip(sorted(SLOTS), order, strict=False))
    assert result.unplaced == tuple(order[3:])


def test_more_slots_than_entries_leaves_slots_free():
    result = draw(SEED, ENTRIES[:2], SLOTS)
    assert len(result.assignments) == 2
    assert [s for s, _e in result.assignments] == sorted(SLOTS)[:2]
    assert result.unplaced == ()


@given(
    entries=st.lists(ids, unique=True, max_size=30), slots=st.lists(ids, unique=True, max_size=30)
)
def test_input_order_does_not_matter_and_nobody_gets_two(entries, slots):
    a = draw(SEED, entries, slots)
    b = draw(SEED, list(reversed(entries)), list(reversed(slots)))
    assert a == b
    assert (
        len({e for _s, e in a.assignments}) == len(a.assignments) == min(len(entries), len(slots))
    )
    assert set(a.order) == set(entries)


def test_another_seed_gives_another_order():
    many = [f"{i:04x}" for i in range(50)]
    assert draw(SEED, many, SLOTS).order != draw(bytes(32), many, SLOTS).order


@pytest.mark.parametrize(
    ("seed", "entries", "slots"),
    [
        (b"short", ENTRIES, SLOTS),
        (SEED, ["a", "a"], SLOTS),
        (SEED, ["with space"], SLOTS),
        (SEED, ENTRIES, ["x", "x"]),
        (SEED, [""], SLOTS),
    ],
)
def test_bad_inputs_are_refused(seed, entries, slots):
    with pytest.raises(DrawError):
        draw(seed, entries, slots)


def test_no_position_bias():
    """Over many seeds, the entry first in the input wins as often as the last: each of 10
    entries wins one of 3 slots with probability 0.3 whatever its position."""
    entries = [f"e{i:02d}" for i in range(10)]
    wins = Counter()
    runs = 3000
    for _ in range(runs):
        for _slot, entry in draw(new_seed(), entries, SLOTS).assignments:
            wins[entry] += 1
    expected = runs * 3 / 10  # 900, standard deviation about 25
    for entry in entries:
        assert abs(wins[entry] - expected) < 6 * 25, (entry, wins[entry])
    chi2 = sum((wins[e] - expected) ** 2 / expected for e in entries)
    assert chi2 < 40  # 9 degrees of freedom: p < 1e-5 above this


def _record() -> dict:
    return build_record(
        seed=SEED,
        entries=ENTRIES,
        slots=SLOTS,
        context={"mission": {"id": 1}, "window": {"id": 2}, "draw": 1},
    )


def test_a_record_recomputes():
    record = _record()
    assert record["commitment"] == hashlib.sha256(SEED).hexdigest() == commitment(SEED)
    assert record["algorithm"] == ALGORITHM
    assert record["entries"] == sorted(ENTRIES)
    assert verify_record(record).ok


def test_a_changed_assignment_is_found():
    record = _record()
    record["assignments"][0]["entry"], record["assignments"][1]["entry"] = (
        record["assignments"][1]["entry"],
        record["assignments"][0]["entry"],
    )
    result = verify_record(record)
    assert not result.ok
    assert "slot" in result.problems[0]


def test_a_seed_chosen_after_the_commitment_is_found():
    record = _record()
    record["seed"] = bytes(32).hex()
    record["assignments"] = [
        {"slot": s, "entry": e} for s, e in draw(bytes(32), ENTRIES, SLOTS).assignments
    ]
    result = verify_record(record)
    assert result.problems == ("the seed does not match the commitment published before the draw",)


def test_an_entry_left_out_is_found():
    record = _record()
    record["assignments"] = record["assignments"][:-1]
    assert not verify_record(record).ok


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.update(format="other"),
        lambda r: r.update(seed=None),
        lambda r: r.update(seed="zz"),
        lambda r: r.update(commitment=5),
        lambda r: r.update(entries="abc"),
        lambda r: r.update(assignments=[{"slot": 1}]),
        lambda r: r.update(entries=["a", "a"]),
        lambda r: r.update(algorithm="fisher-yates"),
    ],
)
def test_unreadable_records_raise(change):
    record = copy.deepcopy(_record())
    change(record)
    with pytest.raises(RecordError):
        verify_record(record)


def test_not_a_mapping():
    with pytest.raises(RecordError):
        verify_record([1, 2])
