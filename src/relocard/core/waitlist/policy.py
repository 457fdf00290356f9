"""The humanitarian route's policy: urgency categories, yearly quotas, reason codes, estimates.

Two forms of the same parameters:

* :class:`HumanitarianPolicy` is the ``humanitarian:`` section of a member state's policy file
  (``src/relocard/policies/<cc>.yaml``, validated against ``schemas/policy.schema.yaml`` with
  the rest of the file), with the titles and criteria in English and Russian and a reference to
  a source for every value. :func:`load_humanitarian_policy` reads it.
* :class:`LedgerPolicy` is what the public ledger publishes of it, in a ``policy`` record:
  only what the order rules and the wait estimates need (category codes, review intervals,
  quotas per year, reason codes, the estimate's window and minimum sample), with no text. The
  verifier replays the ledger against the policy records in it, so that anyone can check the
  rules without the policy files, and a change of quota is itself a public, dated record.

Quotas count **places**: invitations issued in a calendar year (UTC date of the invitation)
that were not withdrawn or removed before a decision. A year without a quota has no places: an
invitation in it breaks the rules (fail closed); the wait estimate assumes that a year not yet
configured keeps the last configured quota, and says so.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from relocard.core.rules.errors import RulesError
from relocard.core.rules.policy import (
    PolicyLibrary,
    Reference,
    Source,
    default_library,
    key_path,
    load_yaml,
)
from relocard.core.waitlist.errors import HumanitarianPolicyError

__all__ = [
    "CODE_PATTERN",
    "REASON_EVENTS",
    "Category",
    "HumanitarianPolicy",
    "LedgerCategory",
    "LedgerPolicy",
    "ReasonCode",
    "load_humanitarian_policy",
    "parse_humanitarian_section",
]

#: Codes published in the ledger (categories, reasons): lower-case ASCII words and dashes.
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
CODE_MAX_LENGTH = 40

#: The events whose reason codes a policy lists: a move between categories (always needs one),
#: an invitation out of turn (needs one), a removal by the authority (always needs one).
REASON_EVENTS = ("invitation", "move", "removal")


def show(value: object, limit: int = 60) -> str:
    """A value from an untrusted document, for an error message: ``repr`` (which escapes
    control characters, so the message stays one line), cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_code(value: object) -> bool:
    return (
        isinstance(value, str) and len(value) <= CODE_MAX_LENGTH and bool(CODE_PATTERN.match(value))
    )


# --- the ledger form -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LedgerCategory:
    """A category as the ledger publishes it: review interval and places per year."""

    review_days: int
    quotas: Mapping[int, int]

    def quota(self, year: int) -> int | None:
        """Places in ``year``, or ``None`` when the policy sets none for it (no invitations)."""
        return self.quotas.get(year)


@dataclass(frozen=True, slots=True)
class LedgerPolicy:
    """The parameters the order rules and wait estimates need, as the ledger publishes them."""

    member_state: str
    categories: Mapping[str, LedgerCategory]
    reasons: Mapping[str, frozenset[str]]
    window_days: int
    min_invitations: int

    def to_json(self) -> dict[str, Any]:
        """The ``policy`` object of a policy record (see docs/humanitarian.md)."""
        return {
            "member_state": self.member_state,
            "categories": {
                code: {
                    "review_days": c.review_days,
                    "quotas": {str(y): n for y, n in sorted(c.quotas.items())},
                }
                for code, c in sorted(self.categories.items())
            },
            "reasons": {event: sorted(self.reasons[event]) for event in REASON_EVENTS},
            "estimate": {"window_days": self.window_days, "min_invitations": self.min_invitations},
        }

    @classmethod
    def from_json(cls, data: Any, where: str = "policy") -> LedgerPolicy:
        """Read a ``policy`` object strictly; :class:`ValueError` names the key that is wrong."""
        obj = _object(data, where, {"member_state", "categories", "reasons", "estimate"})
        member_state = obj["member_state"]
        if not isinstance(member_state, str) or not re.fullmatch(r"[A-Z]{2}", member_state):
            raise ValueError(f"{where}.member_state: expected two capital letters, e.g. FR")
        raw_categories = obj["categories"]
        if not isinstance(raw_categories, dict) or not raw_categories:
            raise ValueError(f"{where}.categories: expected an object with at least one category")
        categories = {}
        for code, raw in raw_categories.items():
            here = f"{where}.categories[{show(code)}]"
            if not is_code(code):
                raise ValueError(f"{here}: not a code (lower-case letters, digits and dashes)")
            cat = _object(raw, here, {"review_days", "quotas"})
            review_days = _int(cat["review_days"], f"{here}.review_days", 1, 366)
            raw_quotas = cat["quotas"]
            if not isinstance(raw_quotas, dict):
                raise ValueError(f"{here}.quotas: expected an object of year -> places")
            quotas = {}
            for year, places in raw_quotas.items():
                if not isinstance(year, str) or not re.fullmatch(r"[0-9]{4}", year):
                    raise ValueError(f"{here}.quotas: {show(year)} is not a year (four digits)")
                quotas[int(year)] = _int(places, f"{here}.quotas[{year!r}]", 0, 1_000_000)
            categories[code] = LedgerCategory(review_days, MappingProxyType(quotas))
        raw_reasons = _object(obj["reasons"], f"{where}.reasons", set(REASON_EVENTS))
        reasons = {}
        for event in REASON_EVENTS:
            codes = raw_reasons[event]
            here = f"{where}.reasons.{event}"
            if not isinstance(codes, list) or not all(is_code(c) for c in codes):
                raise ValueError(f"{here}: expected a list of codes")
            if len(set(codes)) != len(codes):
                raise ValueError(f"{here}: a code is listed twice")
            reasons[event] = frozenset(codes)
        estimate = _object(obj["estimate"], f"{where}.estimate", {"window_days", "min_invitations"})
        return cls(
            member_state=member_state,
            categories=MappingProxyType(categories),
            reasons=MappingProxyType(reasons),
            window_days=_int(estimate["window_days"], f"{where}.estimate.window_days", 1, 3660),
            min_invitations=_int(
                estimate["min_invitations"], f"{where}.estimate.min_invitations", 1, 1_000_000
            ),
        )


def _object(data: Any, where: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object")
    missing = sorted(keys - data.keys())
    if missing:
        raise ValueError(f"{where}: missing key {missing[0]!r}")
    unknown = sorted(data.keys() - keys)
    if unknown:
        raise ValueError(f"{where}: unknown key {show(unknown[0])}")
    return data


def _int(value: Any, where: str, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise ValueError(f"{where}: expected a whole number from {low} to {high}")
    return value


# --- the policy file form ------------------------------------------------------------------


def _in_language(titles: Mapping[str, str], language: str | None) -> str:
    """The title in ``language`` (``fr-FR`` reads ``fr``), English when it has none."""
    base = (language or "en").lower().split("-")[0]
    return titles.get(base) or titles["en"]


@dataclass(frozen=True, slots=True)
class Category:
    """An urgency category: its documented criteria, review interval and yearly quotas.
    ``titles`` holds the title in every language the policy gives (``en`` and ``ru`` always);
    :meth:`title_in` picks the reader's."""

    code: str
    title: str
    title_ru: str
    titles: Mapping[str, str]
    criteria: str
    criteria_ru: str
    review_days: int
    quotas: Mapping[int, int]
    quota_references: Mapping[int, Reference]
    reference: Reference

    def title_in(self, language: str | None) -> str:
        return _in_language(self.titles, language)


@dataclass(frozen=True, slots=True)
class ReasonCode:
    """A reason code the ledger may record for one kind of event, with its meaning."""

    event: str
    code: str
    title: str
    title_ru: str
    titles: Mapping[str, str]

    def title_in(self, language: str | None) -> str:
        return _in_language(self.titles, language)


@dataclass(frozen=True, slots=True)
class HumanitarianPolicy:
    """A member state's humanitarian route as its policy file sets it."""

    country: str
    note: str
    legal_basis: tuple[Reference, ...]
    categories: tuple[Category, ...]
    reasons: Mapping[str, tuple[ReasonCode, ...]]
    window_days: int
    min_invitations: int
    estimate_reference: Reference
    #: Days a closed request's personal data is kept (then erased); not in the ledger.
    retention_days: int
    retention_reference: Reference

    def category(self, code: str) -> Category:
        for category in self.categories:
            if category.code == code:
                return category
        known = ", ".join(c.code for c in self.categories)
        raise KeyError(f"no category {code!r} in the {self.country} policy; known: {known}")

    def reason(self, event: str, code: str) -> ReasonCode:
        for reason in self.reasons.get(event, ()):
            if reason.code == code:
                return reason
        raise KeyError(f"no {event} reason {code!r} in the {self.country} policy")

    def to_ledger(self) -> LedgerPolicy:
        """What the public ledger publishes of this policy (no text, only codes and numbers)."""
        return LedgerPolicy(
            member_state=self.country,
            categories=MappingProxyType(
                {c.code: LedgerCategory(c.review_days, c.quotas) for c in self.categories}
            ),
            reasons=MappingProxyType(
                {e: frozenset(r.code for r in self.reasons[e]) for e in REASON_EVENTS}
            ),
            window_days=self.window_days,
            min_invitations=self.min_invitations,
        )


def _text(value: str) -> str:
    return " ".join(value.split())


def _titles(raw: Mapping[str, Any]) -> Mapping[str, str]:
    titles = {code: _text(text) for code, text in (raw.get("titles") or {}).items()}
    titles.update(en=_text(raw["title"]), ru=_text(raw["title_ru"]))
    return MappingProxyType(titles)


def parse_humanitarian_section(
    data: Mapping[str, Any], *, country: str, sources: Mapping[str, Source], label: str
) -> HumanitarianPolicy:
    """Build a :class:`HumanitarianPolicy` from a section the schema has already validated.

    Checks what the schema cannot: references to sources the file defines, codes and years
    given twice. Errors are :class:`HumanitarianPolicyError` naming the file and the key.
    """

    def ref(raw: Mapping[str, Any], path: list[str | int]) -> Reference:
        if raw["source"] not in sources:
            known = ", ".join(sorted(sources)) or "none defined in this file"
            raise HumanitarianPolicyError(
                f"{label}: {key_path([*path, 'source'])}: unknown source {raw['source']!r}; "
                f"define it under sources (known: {known})"
            )
        return Reference(sources[raw["source"]], raw.get("detail"))

    base: list[str | int] = ["humanitarian"]
    categories = []
    seen: set[str] = set()
    for i, raw in enumerate(data["categories"]):
        path = [*base, "categories", i]
        if raw["code"] in seen:
            raise HumanitarianPolicyError(
                f"{label}: {key_path([*path, 'code'])}: category {raw['code']!r} is defined twice"
            )
        seen.add(raw["code"])
        quotas: dict[int, int] = {}
        quota_refs: dict[int, Reference] = {}
        for j, q in enumerate(raw["quotas"]):
            if q["year"] in quotas:
                raise HumanitarianPolicyError(
                    f"{label}: {key_path([*path, 'quotas', j, 'year'])}: {q['year']} has two "
                    "quotas; give each year one"
                )
            quotas[q["year"]] = q["places"]
            quota_refs[q["year"]] = ref(q["reference"], [*path, "quotas", j, "reference"])
        categories.append(
            Category(
                code=raw["code"],
                title=_text(raw["title"]),
                title_ru=_text(raw["title_ru"]),
                titles=_titles(raw),
                criteria=_text(raw["criteria"]),
                criteria_ru=_text(raw["criteria_ru"]),
                review_days=raw["review_days"],
                quotas=MappingProxyType(dict(sorted(quotas.items()))),
                quota_references=MappingProxyType(quota_refs),
                reference=ref(raw["reference"], [*path, "reference"]),
            )
        )
    reasons = {}
    for event in REASON_EVENTS:
        codes: list[ReasonCode] = []
        for i, raw in enumerate(data["reasons"][event]):
            if any(c.code == raw["code"] for c in codes):
                where = key_path([*base, "reasons", event, i, "code"])
                raise HumanitarianPolicyError(
                    f"{label}: {where}: reason {raw['code']!r} is listed twice"
                )
            codes.append(
                ReasonCode(
                    event, raw["code"], _text(raw["title"]), _text(raw["title_ru"]), _titles(raw)
                )
            )
        reasons[event] = tuple(codes)
    estimate = data["estimate"]
    return HumanitarianPolicy(
        country=country,
        note=_text(data["note"]),
        legal_basis=tuple(
            ref(r, [*base, "legal_basis", i]) for i, r in enumerate(data["legal_basis"])
        ),
        categories=tuple(categories),
        reasons=MappingProxyType(reasons),
        window_days=estimate["window_days"],
        min_invitations=estimate["min_invitations"],
        estimate_reference=ref(estimate["reference"], [*base, "estimate", "reference"]),
        retention_days=data["retention"]["closed_days"],
        retention_reference=ref(data["retention"]["reference"], [*base, "retention", "reference"]),
    )


@functools.lru_cache(maxsize=64)
def _load(library: PolicyLibrary, code: str) -> HumanitarianPolicy:
    parsed = library.country_file(code)  # validates the whole file, humanitarian section too
    name = f"{code.lower()}.yaml"
    try:
        text = library.root.joinpath(name).read_text("utf-8")
    except OSError as exc:  # pragma: no cover - country_file has just read it
        raise HumanitarianPolicyError(f"{parsed.label}: cannot read: {exc}") from None
    data = load_yaml(text, parsed.label)
    section = data.get("humanitarian")
    if section is None:
        raise HumanitarianPolicyError(
            f"{parsed.label}: humanitarian: {code} has no humanitarian route configured; add a "
            "humanitarian section (see docs/humanitarian.md)"
        )
    return parse_humanitarian_section(
        section, country=code, sources=parsed.sources, label=parsed.label
    )


def load_humanitarian_policy(
    country: str, *, library: PolicyLibrary | None = None
) -> HumanitarianPolicy:
    """The humanitarian route of ``country`` as its policy file sets it (parsed once).

    Raises :class:`HumanitarianPolicyError` when the file has no valid section; an unknown
    country or a file that breaks its schema raises the rules engine's errors as for the card
    (a :class:`~relocard.core.rules.errors.RulesError`), re-raised here as
    :class:`HumanitarianPolicyError` with the same message.
    """
    library = library or default_library()
    try:
        code = library.check_country(country)
        return _load(library, code)
    except RulesError as exc:
        raise HumanitarianPolicyError(str(exc)) from None
