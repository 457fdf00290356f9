"""From verified evidence to the facts the rules engine reads.

Each evidence item carries the facts it supports (checked by a caseworker). This module merges
them into the rules' FACTS shape (see :mod:`relocard.core.rules`). Only verified, unexpired
items count: anything else leaves the fact missing, and the criterion that needs it is then
"unknown", never silently "not met".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = ["CRITERION_KINDS", "KIND_FACTS", "VerifiedEvidence", "facts_from_evidence"]

#: Which facts each kind of evidence can prove.
KIND_FACTS: dict[str, tuple[str, ...]] = {
    "passport": ("nationality",),
    "diploma": ("isced_level",),
    "language_certificate": ("language", "cefr"),
    "employment_contract": ("employment", "country"),
    "business_registration": ("employment", "country"),
    "lease_or_deed": ("tenure", "country"),
    "liquid_assets": ("amount_eur",),
    "travel": (),
    "other": (),
}

#: Which kinds of evidence can prove each criterion of the rules (any one of them will do);
#: the residence criterion is proven by the holder's trips, not by a document.
CRITERION_KINDS: dict[str, tuple[str, ...]] = {
    "nationality": ("passport",),
    "education": ("diploma",),
    "language": ("language_certificate",),
    "means": ("liquid_assets",),
    "employment": ("employment_contract", "business_registration"),
    "housing": ("lease_or_deed",),
}

_EMPLOYMENT_RANK = {"none": 0, "self_employed": 1, "employed": 2}


@dataclass(frozen=True, slots=True)
class VerifiedEvidence:
    kind: str
    facts: dict[str, Any] = field(default_factory=dict)
    expires_on: date | None = None
    #: Upload order, so that the newest document wins where only one can count (housing).
    order: int = 0


def facts_from_evidence(items: Iterable[VerifiedEvidence], *, on: date) -> dict[str, Any]:
    """Merge verified, unexpired evidence into FACTS.

    * nationality: from the passport;
    * education: the highest ISCED level among diplomas;
    * languages: every certified language;
    * employment: employed beats self-employed (either meets the renewal criterion);
    * housing: the newest lease or deed;
    * liquid assets: the sum of all statements (one statement per account).
    """
    facts: dict[str, Any] = {}
    languages: list[dict[str, str]] = []
    assets: float | None = None
    housing: tuple[int, dict[str, str]] | None = None
    for item in items:
        if item.expires_on is not None and item.expires_on < on:
            continue
        f = item.facts
        match item.kind:
            case "passport" if f.get("nationality"):
                facts["nationality"] = f["nationality"]
            case "diploma" if f.get("isced_level") is not None:
                level = int(f["isced_level"])
                current = facts.get("education", {}).get("isced_level", -1)
                facts["education"] = {"isced_level": max(level, current)}
            case "language_certificate" if f.get("language") and f.get("cefr"):
                languages.append({"language": f["language"], "cefr": f["cefr"]})
            case "employment_contract" | "business_registration" if f.get("employment"):
                current = facts.get("employment", "none")
                if _EMPLOYMENT_RANK[f["employment"]] > _EMPLOYMENT_RANK[current]:
                    facts["employment"] = f["employment"]
            case "lease_or_deed" if f.get("tenure"):
                if housing is None or item.order >= housing[0]:
                    housing = (item.order, {"tenure": f["tenure"], "country": f.get("country", "")})
            case "liquid_assets" if f.get("amount_eur") is not None:
                assets = (assets or 0) + float(f["amount_eur"])
            case _:
                pass
    if languages:
        facts["languages"] = languages
    if housing is not None:
        facts["housing"] = housing[1]
    if assets is not None:
        facts["liquid_assets_eur"] = int(assets) if float(assets).is_integer() else assets
    return facts
