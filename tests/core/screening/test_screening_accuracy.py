"""Precision and recall on the labelled set hold what docs/screening.md claims."""

from __future__ import annotations

import warnings

import pytest
from labelled import LISTED, NEAR_MISSES, evaluate, labelled_pairs

#: The figures claimed in docs/screening.md (measured: precision 0.930, recall 0.987).
CLAIMED_PRECISION = 0.92
CLAIMED_RECALL = 0.98

#: The near misses named in the issue never reach an officer.
NEVER_RAISED = (
    "same_surname",
    "same_given",
    "other_patronymic",
    "other_sex",
    "other_birth_date",
    "other_birth_year",
)


@pytest.fixture(scope="module")
def measured():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # iuliia's own deprecations
        pairs = labelled_pairs()
    return pairs, *evaluate(pairs)


def test_the_set_is_large_and_balanced(measured):
    pairs = measured[0]
    assert len(LISTED) >= 25 and len(NEAR_MISSES) >= 35
    assert sum(p.match for p in pairs) > 700 and sum(not p.match for p in pairs) > 1000


def test_precision_and_recall_at_the_raise_threshold(measured):
    _, measure, _, _ = measured
    assert measure.precision >= CLAIMED_PRECISION
    assert measure.recall >= CLAIMED_RECALL


def test_named_near_misses_are_never_raised(measured):
    _, _, _, raised_wrongly = measured
    assert {kind: raised_wrongly[kind] for kind in NEVER_RAISED if raised_wrongly[kind]} == {}


def test_every_passport_and_cyrillic_spelling_is_found(measured):
    """Misses are allowed only in the scientific schema (x for х, as in Xabarov)."""
    _, _, missed, _ = measured
    assert {kind for kind in missed if not kind.startswith("scientific")} == set()
