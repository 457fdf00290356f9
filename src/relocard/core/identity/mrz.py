"""The passport machine-readable zone, TD3 (ICAO Doc 9303, Part 4): parse, check and write.

A TD3 zone is two lines of 44 characters from A-Z, 0-9 and the filler ``<``::

    P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<
    L898902C36UTO7408122F1204159ZE184226B<<<<<10

Line 1: document code (``P`` and one letter or ``<``), issuing state, name field (39).
Line 2 (positions from 1): document number 1-9 and its check digit 10, nationality 11-13,
date of birth 14-19 (YYMMDD) and check digit 20, sex 21, date of expiry 22-27 and check digit
28, personal number 29-42 and check digit 43, composite check digit 44 over 1-10, 14-20 and
22-43.

Check digits (Part 3, 4.9): characters are valued 0-9 for digits, 10-35 for A-Z and 0 for
``<``, weighted 7, 3, 1, 7, 3, 1, ... and summed modulo 10. The scheme catches every change of
one digit, but not a change between characters whose values differ by a multiple of 10 (0, A,
K, U and ``<``; 1, B, L, V; ...): in an alphanumeric document number, ``C`` and ``M`` are the
same to the check digits. Nothing protects the names; compare them with the data page.

Two-digit years are resolved against ``today`` (the parser is pure, so the caller passes it): a
date of birth is the latest such date not after today; a date of expiry may lie up to
:data:`EXPIRY_YEARS_AHEAD` years ahead (a passport is valid for at most 10 years), anything
later is taken from the previous century.

Keyboard-wedge document readers type the two lines followed by CR, LF or both; the parser
accepts any line breaks and whitespace around the lines and nothing else.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Final

from relocard.core.identity.errors import MRZBuildError, MRZFormatError
from relocard.core.identity.names import NAME_FIELD_LENGTH, mrz_name, mrz_name_field

__all__ = [
    "EXPIRY_YEARS_AHEAD",
    "LINE_LENGTH",
    "TD3",
    "Checks",
    "check_digit",
    "format_td3",
    "parse_td3",
    "split_lines",
]

LINE_LENGTH: Final = 44
EXPIRY_YEARS_AHEAD: Final = 20
_ALLOWED: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
_WEIGHTS: Final = (7, 3, 1)
_PARTIAL_DATE: Final = re.compile(r"\d\d(?:\d\d)?<*")
_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")
#: Whitespace tolerated around a line: spaces, tabs, no-break spaces, a byte-order mark.
_SURROUNDING: Final = " \t\u00a0\u202f\ufeff"


def _value(ch: str) -> int:
    if ch == "<":
        return 0
    if "0" <= ch <= "9":
        return ord(ch) - 48
    if "A" <= ch <= "Z":
        return ord(ch) - 55
    raise ValueError(f"{ch!r} is not a machine-readable-zone character")


def check_digit(data: str) -> str:
    """The ICAO 9303 check digit of ``data`` (A-Z, 0-9, ``<``): ``check_digit("520727") == "3"``."""
    return str(sum(_value(ch) * _WEIGHTS[i % 3] for i, ch in enumerate(data)) % 10)


@dataclass(frozen=True, slots=True)
class Checks:
    """Which check digits hold (``True``) and which do not."""

    document_number: bool
    birth_date: bool
    expiry_date: bool
    personal_number: bool
    composite: bool

    @property
    def all_pass(self) -> bool:
        return all(self.to_dict().values())

    @property
    def failed(self) -> tuple[str, ...]:
        """The names of the checks that failed, in the zone's order."""
        return tuple(name for name, ok in self.to_dict().items() if not ok)

    def to_dict(self) -> dict[str, bool]:
        return {
            "document_number": self.document_number,
            "birth_date": self.birth_date,
            "expiry_date": self.expiry_date,
            "personal_number": self.personal_number,
            "composite": self.composite,
        }


@dataclass(frozen=True, slots=True)
class TD3:
    """A passport's machine-readable zone, read. Values without fillers; ``lines`` as read.

    ``birth_date`` is ``None`` when the zone gives the date only in part (``74<<<<`` is an
    unknown day and month, allowed by Part 4); ``birth_date_iso`` then gives what is known
    (``"1974"``, ``"1974-08"``) or ``None``. ``sex`` is ``"F"``, ``"M"`` or ``"X"``
    (unspecified; ``<`` in the zone).
    """

    lines: tuple[str, str]
    document_type: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: dt.date | None
    birth_date_iso: str | None
    expiry_date: dt.date
    sex: str
    personal_number: str
    checks: Checks

    @property
    def valid(self) -> bool:
        """Every check digit holds. Says nothing about names, which no check digit covers."""
        return self.checks.all_pass

    @property
    def name_field(self) -> str:
        """The 39-character name field as it stands in line 1."""
        return self.lines[0][5:44]

    @property
    def name_possibly_truncated(self) -> bool:
        """The name fills the whole field, so the issuer may have shortened it."""
        return self.name_field[-1] != "<"

    def to_dict(self) -> dict[str, Any]:
        """The JSON object printed by ``relocard identity mrz`` (a stable interface)."""
        return {
            "document_type": self.document_type,
            "issuing_state": self.issuing_state,
            "surname": self.surname,
            "given_names": self.given_names,
            "document_number": self.document_number,
            "nationality": self.nationality,
            "birth_date": self.birth_date_iso,
            "expiry_date": self.expiry_date.isoformat(),
            "sex": self.sex,
            "personal_number": self.personal_number,
            "checks": self.checks.to_dict(),
            "valid": self.valid,
        }


def _describe(ch: str) -> str:
    if ch.isprintable() and not ch.isspace():
        return f"'{ch}' (U+{ord(ch):04X})"
    return f"U+{ord(ch):04X}"


def split_lines(text: str) -> tuple[str, str]:
    """The two lines of a TD3 zone from typed, pasted or scanned text, or :class:`MRZFormatError`.

    Lines end with CR, LF or CR LF (as document readers send them); spaces, tabs and no-break
    spaces around a line, and blank lines, are ignored. Anything else outside A-Z, 0-9 and
    ``<`` is refused, control characters included.
    """
    if not isinstance(text, str):
        raise MRZFormatError("not_text", kind=type(text).__name__)
    lines = [line.strip(_SURROUNDING) for line in _LINE_BREAK.split(text)]
    lines = [line for line in lines if line]
    if not lines:
        raise MRZFormatError("empty")
    for number, line in enumerate(lines, start=1):
        for position, ch in enumerate(line, start=1):
            if ch not in _ALLOWED:
                raise MRZFormatError(
                    "bad_character", line=number, position=position, character=_describe(ch)
                )
    if len(lines) == 1 and len(lines[0]) == 2 * LINE_LENGTH:
        raise MRZFormatError("lines_joined")
    if len(lines) != 2:
        raise MRZFormatError("line_count", count=len(lines))
    for number, line in enumerate(lines, start=1):
        if len(line) != LINE_LENGTH:
            raise MRZFormatError("line_length", line=number, length=len(line))
    return lines[0], lines[1]


def _letters_or_filler(value: str, *, line: int, start: int, field: str) -> str:
    if not all(ch == "<" or "A" <= ch <= "Z" for ch in value):
        raise MRZFormatError(
            "not_letters", line=line, start=start, end=start + len(value) - 1, field=field,
            value=value,
        )  # fmt: skip
    return value


def _check_digit_char(ch: str, *, position: int, field: str, filler_ok: bool = False) -> None:
    if not ("0" <= ch <= "9" or (filler_ok and ch == "<")):
        raise MRZFormatError("bad_check_digit", position=position, field=field, value=ch)


def _date(year: int, month: int, day: int) -> dt.date | None:
    if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]:
        return dt.date(year, month, day)
    return None


def _birth_date(raw: str, today: dt.date) -> tuple[dt.date | None, str | None]:
    start, end = 14, 19
    if raw == "<<<<<<":
        return None, None
    if not (raw.isdigit() or _PARTIAL_DATE.fullmatch(raw)):
        raise MRZFormatError(
            "bad_date", line=2, start=start, end=end, field="birth_date", value=raw
        )
    yy = int(raw[0:2])
    century = today.year - today.year % 100
    if raw.isdigit():
        month, day = int(raw[2:4]), int(raw[4:6])
        for year in (century + yy, century - 100 + yy):
            found = _date(year, month, day)
            if found is not None and found <= today:
                return found, found.isoformat()
        raise MRZFormatError(
            "bad_date", line=2, start=start, end=end, field="birth_date", value=raw
        )
    year = century + yy if century + yy <= today.year else century - 100 + yy
    if raw[2:4] == "<<":
        return None, f"{year:04d}"
    month = int(raw[2:4])
    if not 1 <= month <= 12 or dt.date(year, month, 1) > today:
        raise MRZFormatError(
            "bad_date", line=2, start=start, end=end, field="birth_date", value=raw
        )
    return None, f"{year:04d}-{month:02d}"


def _expiry_date(raw: str, today: dt.date) -> dt.date:
    start, end = 22, 27
    if not raw.isdigit():
        raise MRZFormatError(
            "bad_date", line=2, start=start, end=end, field="expiry_date", value=raw
        )
    yy, month, day = int(raw[0:2]), int(raw[2:4]), int(raw[4:6])
    latest = today.year + EXPIRY_YEARS_AHEAD
    year = latest - (latest - yy) % 100  # the latest year ending in yy, at most `latest`
    for candidate in (year, year - 100):
        found = _date(candidate, month, day)
        if found is not None:
            return found
    raise MRZFormatError("bad_date", line=2, start=start, end=end, field="expiry_date", value=raw)


def parse_td3(text: str, *, today: dt.date) -> TD3:
    """Read a passport's machine-readable zone and verify its five check digits.

    Raises :class:`MRZFormatError` when the text cannot be read as a TD3 zone. A zone with a
    wrong check digit is returned, with ``checks`` saying which failed and ``valid`` false.
    """
    line1, line2 = split_lines(text)
    if line1[0] != "P":
        raise MRZFormatError("not_passport", value=line1[0:2])
    document_type = _letters_or_filler(line1[0:2], line=1, start=1, field="document_type")
    issuing_state = _letters_or_filler(line1[2:5], line=1, start=3, field="issuing_state")
    name_field = _letters_or_filler(line1[5:44], line=1, start=6, field="name")
    nationality = _letters_or_filler(line2[10:13], line=2, start=11, field="nationality")

    for position, field in ((10, "document_number"), (20, "birth_date"), (28, "expiry_date")):
        _check_digit_char(line2[position - 1], position=position, field=field)
    _check_digit_char(line2[42], position=43, field="personal_number", filler_ok=True)
    _check_digit_char(line2[43], position=44, field="composite")

    sex = line2[20]
    if sex not in "MFX<":
        raise MRZFormatError("bad_sex", value=sex)

    birth_date, birth_iso = _birth_date(line2[13:19], today)
    expiry_date = _expiry_date(line2[21:27], today)

    personal = line2[28:42]
    if personal == "<" * 14 and line2[42] in "<0":
        personal_ok = True  # Part 4: an unused personal number may have < or 0 as check digit
    else:
        personal_ok = line2[42] == check_digit(personal)
    checks = Checks(
        document_number=line2[9] == check_digit(line2[0:9]),
        birth_date=line2[19] == check_digit(line2[13:19]),
        expiry_date=line2[27] == check_digit(line2[21:27]),
        personal_number=personal_ok,
        composite=line2[43] == check_digit(line2[0:10] + line2[13:20] + line2[21:43]),
    )

    primary, _, secondary = name_field.partition("<<")
    return TD3(
        lines=(line1, line2),
        document_type=document_type.rstrip("<"),
        issuing_state=issuing_state.rstrip("<"),
        surname=" ".join(part for part in primary.split("<") if part),
        given_names=" ".join(part for part in secondary.split("<") if part),
        document_number=line2[0:9].rstrip("<"),
        nationality=nationality.rstrip("<"),
        birth_date=birth_date,
        birth_date_iso=birth_iso,
        expiry_date=expiry_date,
        sex="X" if sex == "<" else sex,
        personal_number=personal.rstrip("<"),
        checks=checks,
    )


def _code(value: str, *, field: str, length: int, letters_only: bool = False) -> str:
    value = value.upper()
    if len(value) > length:
        raise MRZBuildError("too_long", field=field, value=value, limit=length)
    allowed = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ<") if letters_only else _ALLOWED
    if not all(ch in allowed for ch in value):
        raise MRZBuildError("bad_value", field=field, value=value)
    return value.ljust(length, "<")


def format_td3(
    *,
    surname: str,
    given_names: str,
    document_number: str,
    nationality: str,
    birth_date: dt.date | None,
    expiry_date: dt.date,
    sex: str,
    issuing_state: str | None = None,
    personal_number: str = "",
    document_type: str = "P",
    short_umlauts: bool = False,
) -> tuple[str, str]:
    """Write the two lines of a TD3 zone with its check digits (the inverse of :func:`parse_td3`).

    Names may be in any script: Cyrillic is transliterated with the ICAO table and the result
    cut to the 39-character field (see :mod:`.names`). ``issuing_state`` defaults to the
    nationality; ``birth_date=None`` writes an unknown date of birth (``<<<<<<``); ``sex`` is
    ``"F"``, ``"M"`` or ``"X"``. Used by tests and by anyone who needs a specimen; a value that
    cannot be written raises :class:`MRZBuildError`.
    """
    state = _code(issuing_state or nationality, field="issuing_state", length=3, letters_only=True)
    nation = _code(nationality, field="nationality", length=3, letters_only=True)
    doc_type = _code(document_type, field="document_type", length=2, letters_only=True)
    if doc_type[0] != "P":
        raise MRZBuildError("bad_value", field="document_type", value=document_type)
    if not mrz_name(surname, short_umlauts=short_umlauts):
        raise MRZBuildError("bad_value", field="surname", value=surname)
    names = mrz_name_field(surname, given_names, short_umlauts=short_umlauts)
    number = _code(document_number, field="document_number", length=9)
    personal = _code(personal_number, field="personal_number", length=14)
    if sex not in ("F", "M", "X"):
        raise MRZBuildError("bad_value", field="sex", value=sex)
    birth = birth_date.strftime("%y%m%d") if birth_date is not None else "<<<<<<"
    expiry = expiry_date.strftime("%y%m%d")

    line1 = f"{doc_type}{state}{names}"
    personal_cd = "<" if personal == "<" * 14 else check_digit(personal)
    body = (
        f"{number}{check_digit(number)}{nation}{birth}{check_digit(birth)}"
        f"{'<' if sex == 'X' else sex}{expiry}{check_digit(expiry)}{personal}{personal_cd}"
    )
    composite = check_digit(body[0:10] + body[13:20] + body[21:43])
    line2 = body + composite
    assert len(line1) == len(line2) == LINE_LENGTH == 5 + NAME_FIELD_LENGTH
    return line1, line2
