"""The facts a decision rests on, parsed and validated from the FACTS.json shape.

The shell passes only facts backed by verified evidence, so an absent key means "not verified
yet", never "no": the criteria that need it come out ``unknown``. Everything present is checked
strictly, because a typo silently read as "missing" would turn a refusal into a shrug.

The same facts also exist as a row of a columnar table (one column per field, see
:data:`FIELDS`); :meth:`Facts.row` gives the row the expression layer evaluates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from typing import Any

from relocard.core.rules.errors import RulesInputError
from relocard.core.rules.vocabulary import CEFR_RANK, Cefr, Employment, Tenure

#: The largest amount accepted, in euros: beyond it a value is a typo, not a fortune.
MAX_AMOUNT_EUR = Decimal("1000000000000")
#: A period of presence is at most a leap year long.
MAX_PERIOD_DAYS = 366


@dataclass(frozen=True, slots=True)
class Field:
    """One fact: its column name in tables and its path in FACTS.json."""

    name: str
    path: tuple[str, ...]

    @property
    def key(self) -> str:
        return ".".join(self.path)


#: Every fact, in FACTS.json order; ``name`` is the column of the table form.
FIELDS: tuple[Field, ...] = (
    Field("nationality", ("nationality",)),
    Field("isced_level", ("education", "isced_level")),
    Field("languages", ("languages",)),
    Field("employment", ("employment",)),
    Field("housing_tenure", ("housing", "tenure")),
    Field("housing_country", ("housing", "country")),
    Field("liquid_assets_eur", ("liquid_assets_eur",)),
    Field("present_days", ("residence", "present_days")),
    Field("period_days", ("residence", "period_days")),
)
FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}

_SECTIONS: dict[str, frozenset[str]] = {
    "education": frozenset({"isced_level"}),
    "housing": frozenset({"tenure", "country"}),
    "residence": frozenset({"present_days", "period_days"}),
}
_TOP_LEVEL = ("nationality", "education", "languages", "employment", "housing")
_TOP_LEVEL += ("liquid_assets_eur", "residence")


@dataclass(frozen=True, slots=True)
class LanguageSkill:
    """A verified language level: an ISO 639-1 code and a CEFR level."""

    language: str
    cefr: Cefr


@dataclass(frozen=True, slots=True)
class Facts:
    """Verified facts about one applicant or holder; ``None`` means not verified (unknown).

    An empty ``languages`` tuple is a fact ("no language certificate at all") and fails the
    language criterion; ``None`` leaves it unknown.
    """

    nationality: str | None = None
    isced_level: int | None = None
    languages: tuple[LanguageSkill, ...] | None = None
    employment: Employment | None = None
    housing_tenure: Tenure | None = None
    housing_country: str | None = None
    liquid_assets_eur: Decimal | None = None
    present_days: int | None = None
    period_days: int | None = None

    def __post_init__(self) -> None:
        # Built by hand (not through from_mapping), the same rules must hold.
        if (
            self.present_days is not None
            and self.period_days is not None
            and self.present_days > self.period_days
        ):
            raise RulesInputError(
                f"residence.present_days: {self.present_days} present days cannot exceed "
                f"the {self.period_days} days of the period; check the presence summary"
            )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | Facts) -> Facts:
        """Parse the FACTS.json shape; any error is a :class:`RulesInputError` naming the key."""
        if isinstance(data, Facts):
            return data
        if not isinstance(data, Mapping):
            raise RulesInputError(
                f"facts must be a JSON object, got {_kind(data)}; see FACTS.json in the docs"
            )
        _no_unknown_keys(data, frozenset(_TOP_LEVEL), "")
        sections = {name: _section(data, name) for name in _SECTIONS}
        return cls(
            nationality=_country(data.get("nationality"), "nationality"),
            isced_level=_integer(
                sections["education"].get("isced_level"), "education.isced_level", 0, 8
            ),
            languages=_languages(data.get("languages")),
            employment=_choice(data.get("employment"), "employment", Employment),
            housing_tenure=_choice(sections["housing"].get("tenure"), "housing.tenure", Tenure),
            housing_country=_country(sections["housing"].get("country"), "housing.country"),
            liquid_assets_eur=_amount(data.get("liquid_assets_eur"), "liquid_assets_eur"),
            present_days=_integer(
                sections["residence"].get("present_days"),
                "residence.present_days",
                0,
                MAX_PERIOD_DAYS,
            ),
            period_days=_integer(
                sections["residence"].get("period_days"),
                "residence.period_days",
                1,
                MAX_PERIOD_DAYS,
            ),
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Facts:
        """The inverse of :meth:`row`: one row of the table form (column -> value) as facts."""
        data: dict[str, Any] = {}
        for f in FIELDS:
            value = row.get(f.name)
            if value is None:
                continue
            target = data
            for part in f.path[:-1]:
                target = target.setdefault(part, {})
            target[f.path[-1]] = list(value) if f.name == "languages" else value
        return cls.from_mapping(data)

    def to_mapping(self) -> dict[str, Any]:
        """The FACTS.json shape (absent facts left out); ``from_mapping`` reads it back."""
        out: dict[str, Any] = {}
        for f in FIELDS:
            value = getattr(self, f.name)
            if value is None:
                continue
            target = out
            for part in f.path[:-1]:
                target = target.setdefault(part, {})
            target[f.path[-1]] = _json_value(value)
        return out

    def row(self) -> dict[str, Any]:
        """The facts as one row of the table form: column name -> plain value or ``None``."""
        languages = self.languages
        return {
            "nationality": self.nationality,
            "isced_level": self.isced_level,
            "languages": None
            if languages is None
            else tuple({"language": s.language, "cefr": s.cefr.value} for s in languages),
            "employment": None if self.employment is None else self.employment.value,
            "housing_tenure": None if self.housing_tenure is None else self.housing_tenure.value,
            "housing_country": self.housing_country,
            "liquid_assets_eur": self.liquid_assets_eur,
            "present_days": self.present_days,
            "period_days": self.period_days,
        }

    def subset(self, names: tuple[str, ...]) -> dict[str, Any]:
        """The named facts in the FACTS.json shape, missing ones as ``None`` (for explanations)."""
        out: dict[str, Any] = {}
        for name in names:
            f = FIELDS_BY_NAME[name]
            value = getattr(self, name)
            target = out
            for part in f.path[:-1]:
                target = target.setdefault(part, {})
            target[f.path[-1]] = None if value is None else _json_value(value)
        return out


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return [{"language": s.language, "cefr": s.cefr.value} for s in value]
    if isinstance(value, Decimal):
        return decimal_to_json(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def decimal_to_json(value: Decimal) -> int | float:
    """An amount as a JSON number: an int when whole, else a float (at most two decimals)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return f"{value!r}"


def _no_unknown_keys(data: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    for key in data:
        if key not in allowed:
            place = f"{where}{key}" if isinstance(key, str) else f"{where}{key!r}"
            expected = ", ".join(sorted(allowed))
            raise RulesInputError(f"{place}: unknown key; the keys allowed here are {expected}")


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RulesInputError(f"{name}: expected an object, got {_kind(value)}")
    _no_unknown_keys(value, _SECTIONS[name], f"{name}.")
    return value


def _integer(value: Any, key: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise RulesInputError(f"{key}: expected a whole number, got {_kind(value)}")
    if not low <= value <= high:
        raise RulesInputError(f"{key}: {value} is out of range; expected {low} to {high}")
    return value


def _amount(value: Any, key: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise RulesInputError(f"{key}: expected an amount in euros, got {_kind(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise RulesInputError(f"{key}: expected a finite amount in euros, got {value!r}")
    if isinstance(value, int | float | Decimal):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise RulesInputError(f"{key}: expected an amount in euros, got {_kind(value)}")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise RulesInputError(
            f"{key}: {value!r} is not a number; give the amount in euros, e.g. 12000 or 12000.50"
        ) from None
    if not amount.is_finite():
        raise RulesInputError(f"{key}: expected a finite amount in euros, got {value!r}")
    if amount < 0:
        raise RulesInputError(f"{key}: {value!r} is negative; amounts are zero or more")
    if amount > MAX_AMOUNT_EUR:
        raise RulesInputError(f"{key}: {value!r} is implausibly large (over 10^12 euros)")
    if amount != amount.quantize(Decimal("0.01")):
        raise RulesInputError(f"{key}: {value!r} has more than two decimal places (euro cents)")
    return amount.quantize(Decimal("0.01"))


def _choice[E: (Employment, Tenure)](value: Any, key: str, enum: type[E]) -> E | None:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise RulesInputError(f"{key}: {_kind(value)} is not one of {allowed}") from None


def _country(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.upper() not in _country_codes():
        raise RulesInputError(
            f"{key}: {_kind(value)} is not an ISO 3166-1 alpha-2 country code (e.g. RU, FR)"
        )
    return value.upper()


def _languages(value: Any) -> tuple[LanguageSkill, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        raise RulesInputError(f"languages: expected a list, got {_kind(value)}")
    skills = []
    for i, item in enumerate(value):
        where = f"languages[{i}]"
        if not isinstance(item, Mapping):
            raise RulesInputError(
                f"{where}: expected an object like {{'language': 'fr', 'cefr': 'B2'}}, "
                f"got {_kind(item)}"
            )
        _no_unknown_keys(item, frozenset({"language", "cefr"}), f"{where}.")
        for required in ("language", "cefr"):
            if item.get(required) is None:
                raise RulesInputError(f"{where}.{required}: missing; give both language and cefr")
        code, level = item["language"], item["cefr"]
        if not isinstance(code, str) or code.lower() not in _language_codes():
            raise RulesInputError(
                f"{where}.language: {_kind(code)} is not an ISO 639-1 language code (e.g. fr)"
            )
        if not isinstance(level, str) or level.upper() not in CEFR_RANK:
            raise RulesInputError(
                f"{where}.cefr: {_kind(level)} is not a CEFR level; "
                f"use one of {', '.join(CEFR_RANK)}"
            )
        skills.append(LanguageSkill(code.lower(), Cefr(level.upper())))
    return tuple(skills)


@cache
def _country_codes() -> frozenset[str]:
    from babel import Locale

    return frozenset(
        k for k in Locale.parse("en").territories if len(k) == 2 and k.isalpha() and k.isupper()
    )


@cache
def _language_codes() -> frozenset[str]:
    from babel import Locale

    return frozenset(
        k for k in Locale.parse("en").languages if len(k) == 2 and k.isalpha() and k.islower()
    )


def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code the engine can name (from the CLDR, via babel)."""
    return _country_codes()


def language_codes() -> frozenset[str]:
    """Every ISO 639-1 code the engine can name (from the CLDR, via babel)."""
    return _language_codes()
