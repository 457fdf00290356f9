"""Compare a passport's machine-readable zone with the identity data someone typed.

The officer at the counter reads the zone (typed, pasted or from a document reader) and the
system compares it with the data the applicant gave: surname and given names (typed in
Cyrillic, transliterated with the ICAO table, and/or in Latin as printed), date of birth,
document number and date of expiry. The result is one line per field that an officer can read
and act on; nothing is decided here.

Names are compared in the zone's characters (``<`` for spaces and hyphens, see
:mod:`.names`). A name the issuer had to shorten (it fills the whole field) matches when each
component in the zone begins the typed one (``ANNA<M`` for ANNA MARIA). Document numbers are
compared without spaces and hyphens, upper-cased.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from relocard.core.identity.messages import COMPARISON_TEMPLATES, render
from relocard.core.identity.mrz import TD3
from relocard.core.identity.names import mrz_name, split_name_field

__all__ = ["FieldComparison", "IdentityComparison", "TypedIdentity", "compare_identity"]

Outcome = Literal["match", "mismatch", "not_compared"]
_SEPARATORS: Final = re.compile(r"[\s\-/.]+")


@dataclass(frozen=True, slots=True)
class TypedIdentity:
    """What was typed about the person: as given in the application or at the counter.

    ``surname`` and ``given_names`` may be in Cyrillic (as in the internal passport) or in
    Latin; ``surname_latin`` and ``given_names_latin`` are the Latin spelling as printed in
    the passport, if known. An empty string or ``None`` means "not typed".
    """

    surname: str = ""
    given_names: str = ""
    birth_date: dt.date | None = None
    document_number: str = ""
    expiry_date: dt.date | None = None
    surname_latin: str = ""
    given_names_latin: str = ""


@dataclass(frozen=True, slots=True)
class FieldComparison:
    """One field compared. ``code`` and ``params`` render the officer's sentence (see
    :mod:`.messages`); ``outcome`` is what a program acts on."""

    field: str
    outcome: Outcome
    code: str
    mrz: str
    typed: str
    params: dict[str, str] = field(default_factory=dict)

    def message(self, translate: Callable[[str], str] | None = None) -> str:
        return render(COMPARISON_TEMPLATES, self.code, self.params, translate)

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "outcome": self.outcome,
            "code": self.code,
            "mrz": self.mrz,
            "typed": self.typed,
            "message": self.message(),
        }


@dataclass(frozen=True, slots=True)
class IdentityComparison:
    """Field-by-field comparison; ``fields`` in the order of the data page."""

    fields: tuple[FieldComparison, ...]

    @property
    def mismatches(self) -> tuple[FieldComparison, ...]:
        return tuple(f for f in self.fields if f.outcome == "mismatch")

    @property
    def all_match(self) -> bool:
        """Every field was compared and matches (nothing untyped, nothing unknown)."""
        return all(f.outcome == "match" for f in self.fields)

    def to_dict(self) -> dict[str, Any]:
        return {"all_match": self.all_match, "fields": [f.to_dict() for f in self.fields]}


def _line(
    name: str, outcome: Outcome, code: str, mrz: str, typed: str, **extra: str
) -> FieldComparison:
    params = {"field": name, "mrz": mrz, "typed": typed, **extra}
    return FieldComparison(name, outcome, code, mrz, typed, params)


def _components_begin(mrz: str, typed: str) -> bool:
    """Each ``<``-separated component of ``mrz`` begins the corresponding one of ``typed``."""
    shown, full = mrz.split("<"), typed.split("<")
    if not mrz or len(shown) > len(full):
        return False
    return all(part and whole.startswith(part) for part, whole in zip(shown, full, strict=False))


def _compare_name(
    name: str, in_zone: str, truncated: bool, typed: str, typed_latin: str
) -> FieldComparison:
    shown = in_zone.replace("<", " ")
    typed, typed_latin = typed.strip(), typed_latin.strip()
    if not typed and not typed_latin:
        return _line(name, "not_compared", "not_typed", shown, "")
    # The ICAO transliteration of what was typed first, then the Latin spelling as printed;
    # each also with one-letter umlauts (Part 3 allows both).
    for is_latin, text in ((False, typed), (True, typed_latin)):
        if not text:
            continue
        for form in (mrz_name(text), mrz_name(text, short_umlauts=True)):
            if form == in_zone:
                if is_latin and typed:
                    return _line(
                        name, "match", "match_latin", shown, typed,
                        typed_mrz=mrz_name(typed).replace("<", " "),
                    )  # fmt: skip
                return _line(name, "match", "match", shown, text)
            if truncated and _components_begin(in_zone, form):
                return _line(
                    name, "match", "match_truncated", shown, text,
                    typed_mrz=form.replace("<", " "),
                )  # fmt: skip
    text = typed or typed_latin
    return _line(
        name, "mismatch", "mismatch_name", shown, text, typed_mrz=mrz_name(text).replace("<", " ")
    )


def _normalise_number(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def compare_identity(mrz: TD3, typed: TypedIdentity) -> IdentityComparison:
    """Compare the zone with typed data: surname, given names, date of birth, document
    number, date of expiry, in that order. Check digits are not judged here (see
    :attr:`TD3.checks`); a zone that fails them should be read again before comparing."""
    primary, secondary = split_name_field(mrz.name_field)
    truncated = mrz.name_possibly_truncated
    lines = [
        _compare_name("surname", primary, truncated and not secondary, typed.surname,
                      typed.surname_latin),
        _compare_name("given_names", secondary, truncated, typed.given_names,
                      typed.given_names_latin),
    ]  # fmt: skip

    # Date of birth: the zone may leave day and month (or all) unknown.
    if typed.birth_date is None:
        lines.append(_line("birth_date", "not_compared", "not_typed", mrz.birth_date_iso or "", ""))
    elif mrz.birth_date is not None:
        same = mrz.birth_date == typed.birth_date
        lines.append(
            _line("birth_date", "match" if same else "mismatch", "match" if same else "mismatch",
                  mrz.birth_date.isoformat(), typed.birth_date.isoformat())
        )  # fmt: skip
    elif mrz.birth_date_iso and not typed.birth_date.isoformat().startswith(mrz.birth_date_iso):
        lines.append(
            _line("birth_date", "mismatch", "mismatch", mrz.birth_date_iso,
                  typed.birth_date.isoformat())
        )  # fmt: skip
    else:
        code = "partial_match" if mrz.birth_date_iso else "unknown_in_mrz"
        lines.append(
            _line("birth_date", "not_compared", code, mrz.birth_date_iso or "<<<<<<",
                  typed.birth_date.isoformat())
        )  # fmt: skip

    number = _normalise_number(typed.document_number)
    if not number:
        lines.append(_line("document_number", "not_compared", "not_typed", mrz.document_number, ""))
    else:
        same = number == mrz.document_number
        lines.append(
            _line("document_number", "match" if same else "mismatch",
                  "match" if same else "mismatch", mrz.document_number, typed.document_number.strip())
        )  # fmt: skip

    expiry = mrz.expiry_date.isoformat()
    if typed.expiry_date is None:
        lines.append(_line("expiry_date", "not_compared", "not_typed", expiry, ""))
    else:
        same = typed.expiry_date == mrz.expiry_date
        lines.append(
            _line("expiry_date", "match" if same else "mismatch", "match" if same else "mismatch",
                  expiry, typed.expiry_date.isoformat())
        )  # fmt: skip
    return IdentityComparison(tuple(lines))
