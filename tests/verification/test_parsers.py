"""Small parsers and text helpers of checking a card: rate limits, PDF text (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.verification.ratelimit import Rate
from relocard.verification.record import latin1


@pytest.mark.parametrize(("text", "rate"), [("30/60", Rate(30, 60)), ("5", Rate(5, 60))])
def test_rates_parse(text, rate):
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["", "x/60", "30/x", "0/60", "30/0", "-1/60", "30/60/2"])
def test_bad_rates_say_how_to_write_them(text):
    with pytest.raises(ValueError, match=r"COUNT/SECONDS|positive"):
        Rate.parse(text)


@given(st.integers(1, 10**9), st.integers(1, 10**6))
def test_any_written_rate_round_trips(count, seconds):
    assert Rate.parse(f"{count}/{seconds}") == Rate(count, seconds)


def test_pdf_text_keeps_latin_accents_and_folds_the_rest():
    assert latin1("Société Générale") == "Société Générale"
    assert latin1("Bank Spółdzielczy “Łódź” – 2026") == 'Bank Spóldzielczy "Lódz" - 2026'
    assert latin1("Τράπεζα Κύπρου") == "Trapeza Kyproy"  # letter by letter
    assert latin1("银行") == "??"


@given(st.text(max_size=60))
def test_pdf_text_always_prints_and_leaves_latin1_alone(text):
    folded = latin1(text)
    folded.encode("latin-1")  # what the PDF core fonts can print
    plain = "".join(ch for ch in text if ch.isascii() and ch.isprintable())
    assert latin1(plain) == plain
