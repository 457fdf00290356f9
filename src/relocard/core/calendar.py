"""Calendar arithmetic that the standard library leaves out."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

__all__ = ["CARD_YEAR", "PASSPORT", "add_months", "card_validity_end", "validity_limit"]

#: What ends a card's validity: the card year, or the passport it was issued on.
CARD_YEAR, PASSPORT = "card_year", "passport"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 January + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def card_validity_end(valid_from: date, months: int) -> date:
    """Last valid day of a card valid for ``months`` from ``valid_from`` (both days included):
    a one-year card from 2026-03-01 is valid until 2027-02-28."""
    return add_months(valid_from, months) - timedelta(days=1)


def validity_limit(year_end: date, passport_expiry: date | None) -> tuple[date, str]:
    """A card's last valid day and what sets it: the earlier of the card year's end and the
    passport's expiry (a card never outlives the passport it was issued on). A tie is the
    card year's."""
    if passport_expiry is not None and passport_expiry < year_end:
        return passport_expiry, PASSPORT
    return year_end, CARD_YEAR
