"""Calendar arithmetic that the standard library leaves out."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

__all__ = ["add_months", "card_validity_end"]


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
