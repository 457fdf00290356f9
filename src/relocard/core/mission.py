"""At the mission: the card's production and hand-over as a state machine, the fee's amount,
the receipt number and the long-stay (D) entry visa's checks.

Pure and small, like :mod:`relocard.core.workflow`: the shell (``relocard.enrolment``) moves a
production order only through :func:`next_production_state`, checks a typed fee with
:func:`parse_fee_amount` and a visa with :func:`check_visa`, and words the problems for people.

Production of the physical card::

    (none) --order--> ordered --ready--> ready_for_collection --hand_over--> handed_over

Errors: :class:`MissionError` (a :class:`ValueError`) with a stable ``code`` and ``params``;
the shell translates the code into a sentence.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

__all__ = [
    "ENTRIES",
    "HANDED_OVER",
    "MAX_FEE",
    "ORDERED",
    "PRODUCTION_MOVES",
    "READY",
    "VISA_MAX_DAYS",
    "MissionError",
    "VisaProblem",
    "check_visa",
    "next_production_state",
    "normalise_visa_number",
    "parse_fee_amount",
    "receipt_number",
    "visa_number_prefix",
]

ORDERED, READY, HANDED_OVER = "ordered", "ready_for_collection", "handed_over"

#: (state before, action) -> state after; "" is "no production order yet".
PRODUCTION_MOVES: Final = {
    ("", "order"): ORDERED,
    (ORDERED, "ready"): READY,
    (READY, "hand_over"): HANDED_OVER,
}

#: The largest fee a mission records (a typing error guard: fees are tens of euros).
MAX_FEE: Final = Decimal("1000.00")

#: A national long-stay visa is valid for at most a year (Schengen Borders Code, Art. 6).
VISA_MAX_DAYS: Final = 365

#: Numbers of entries a D visa allows.
ENTRIES: Final = ("single", "multiple")

#: ISO 3166-1 alpha-3 codes of the member states: a visa sticker's number starts with the
#: issuing state's code (as in ICAO 9303 Part 7, the visa's document number).
_ALPHA3: Final = {
    "AT": "AUT", "BE": "BEL", "BG": "BGR", "CY": "CYP", "CZ": "CZE", "DE": "DEU", "DK": "DNK",
    "EE": "EST", "ES": "ESP", "FI": "FIN", "FR": "FRA", "GR": "GRC", "HR": "HRV", "HU": "HUN",
    "IE": "IRL", "IT": "ITA", "LT": "LTU", "LU": "LUX", "LV": "LVA", "MT": "MLT", "NL": "NLD",
    "PL": "POL", "PT": "PRT", "RO": "ROU", "SE": "SWE", "SI": "SVN", "SK": "SVK",
}  # fmt: skip

_VISA_NUMBER: Final = re.compile(r"[A-Z]{3}[0-9]{9}")
_AMOUNT: Final = re.compile(r"[0-9]{1,7}(?:[.,][0-9]{1,2})?")
_RECEIPT_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


class MissionError(ValueError):
    """A value the mission cannot record; ``code`` names the problem, ``params`` its data."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def next_production_state(state: str, action: str) -> str:
    """The production state after ``action`` from ``state`` ("" before the order)."""
    try:
        return PRODUCTION_MOVES[(state, action)]
    except KeyError:
        raise MissionError("production_move", state=state or "none", action=action) from None


def parse_fee_amount(text: str, *, due: Decimal) -> Decimal:
    """The amount typed by the officer, in euros with at most two decimals (a comma or a point),
    which must be the fee due: anything else raises :class:`MissionError`."""
    cleaned = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        raise MissionError("amount_missing")
    if not _AMOUNT.fullmatch(cleaned):
        raise MissionError("amount_format", value=text.strip()[:20])
    try:
        amount = Decimal(cleaned.replace(",", ".")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise MissionError("amount_format", value=text.strip()[:20]) from None
    if amount <= 0:
        raise MissionError("amount_not_positive")
    if amount > MAX_FEE:
        raise MissionError("amount_too_large", limit=f"{MAX_FEE:.2f}")
    if amount != due.quantize(Decimal("0.01")):
        raise MissionError("amount_not_due", amount=f"{amount:.2f}", due=f"{due:.2f}")
    return amount


def receipt_number(member_state: str, year: int, token: str | None = None) -> str:
    """A receipt number: ``FR-2026-`` and eight random Crockford base-32 characters (unguessable,
    so that a receipt cannot be forged by counting; no letters that read as digits)."""
    token = token or "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(8))
    return f"{member_state}-{year}-{token[:4]}-{token[4:8]}"


def visa_number_prefix(member_state: str) -> str:
    return _ALPHA3[member_state]


@dataclass(frozen=True, slots=True)
class VisaProblem:
    field: str
    code: str
    params: dict[str, str]


def check_visa(
    *,
    member_state: str,
    number: str,
    valid_from: date | None,
    valid_until: date | None,
    entries: str,
    today: date,
) -> list[VisaProblem]:
    """Every problem of a D visa as typed: the number is the issuing state's alpha-3 code and
    nine digits; the validity starts no earlier than today, ends after it starts and lasts at
    most :data:`VISA_MAX_DAYS` days; the entries are single or multiple."""
    problems: list[VisaProblem] = []
    prefix = _ALPHA3[member_state]
    number = (number or "").strip().upper().replace(" ", "")
    if not _VISA_NUMBER.fullmatch(number):
        problems.append(VisaProblem("number", "visa_number_format", {"prefix": prefix}))
    elif not number.startswith(prefix):
        problems.append(VisaProblem("number", "visa_number_state", {"prefix": prefix}))
    if valid_from is None:
        problems.append(VisaProblem("valid_from", "date_missing", {}))
    elif valid_from < today:
        problems.append(VisaProblem("valid_from", "visa_starts_in_past", {}))
    if valid_until is None:
        problems.append(VisaProblem("valid_until", "date_missing", {}))
    elif valid_from is not None:
        if valid_until <= valid_from:
            problems.append(VisaProblem("valid_until", "visa_ends_before_start", {}))
        elif valid_until - valid_from > timedelta(days=VISA_MAX_DAYS - 1):
            problems.append(
                VisaProblem("valid_until", "visa_too_long", {"days": str(VISA_MAX_DAYS)})
            )
    if entries not in ENTRIES:
        problems.append(VisaProblem("entries", "visa_entries", {}))
    return problems


def normalise_visa_number(number: str) -> str:
    return (number or "").strip().upper().replace(" ", "")
