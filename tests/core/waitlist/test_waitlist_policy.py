"""The humanitarian section of the policy files: shipped values, validation, the ledger form."""

from __future__ import annotations

import shutil
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
import yaml

from relocard.core.rules import PolicyError, PolicyLibrary, load_policy
from relocard.core.waitlist import (
    REASON_EVENTS,
    HumanitarianPolicyError,
    LedgerPolicy,
    load_humanitarian_policy,
)
from relocard.core.waitlist.policy import is_code

SHIPPED = Path(str(resources.files("relocard.policies")))
STATES = ("CY", "DE", "FR", "PL")


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    for name in ("programme.yaml", "fr.yaml", "de.yaml", "pl.yaml", "cy.yaml"):
        shutil.copy(SHIPPED / name, tmp_path / name)
    return tmp_path


def edit(path: Path, change: object) -> None:
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


@pytest.mark.parametrize("country", STATES)
def test_each_launch_state_has_a_humanitarian_route(country: str) -> None:
    policy = load_humanitarian_policy(country)
    assert policy.country == country
    assert "configuration, not law" in policy.note and "illustration" in policy.note
    assert [c.code for c in policy.categories] == ["immediate", "priority", "standard"]
    # More urgent categories are reviewed more often.
    reviews = [c.review_days for c in policy.categories]
    assert reviews == sorted(reviews) and reviews[0] <= 30
    for category in policy.categories:
        assert category.title and category.title_ru and category.criteria and category.criteria_ru
        assert {2026, 2027} <= set(category.quotas)
        assert all(ref.source.title for ref in category.quota_references.values())
        assert "illustrat" in category.quota_references[2026].source.title
    assert policy.legal_basis and all(r.source.title_ru for r in policy.legal_basis)
    for event in REASON_EVENTS:
        assert policy.reasons[event] and all(r.title and r.title_ru for r in policy.reasons[event])
    assert policy.min_invitations >= 5 and 28 <= policy.window_days <= 730
    assert policy.category("standard").code == "standard"
    assert policy.reason("move", "risk-increased").title_ru


def test_the_quotas_differ_by_state_and_codes_are_ledger_codes() -> None:
    places = {c: load_humanitarian_policy(c).category("standard").quotas[2026] for c in STATES}
    assert places["DE"] > places["FR"] > places["PL"] > places["CY"] > 0
    for country in STATES:
        ledger = load_humanitarian_policy(country).to_ledger()
        assert all(is_code(c) for c in ledger.categories)
        assert all(is_code(r) for codes in ledger.reasons.values() for r in codes)


@pytest.mark.parametrize("country", STATES)
def test_the_ledger_form_round_trips(country: str) -> None:
    ledger = load_humanitarian_policy(country).to_ledger()
    data = ledger.to_json()
    assert LedgerPolicy.from_json(data) == ledger
    assert data["member_state"] == country
    assert data["categories"]["standard"]["quotas"]["2026"] > 0
    assert data["estimate"] == {"window_days": 182, "min_invitations": 5}


def test_the_humanitarian_section_leaves_the_card_policy_hash_alone(policies: Path) -> None:
    """Decisions on cards are stamped with their policy's hash: adding or editing the
    humanitarian route must not make them unreplayable."""
    before = load_policy("FR", on=date(2026, 6, 1), library=PolicyLibrary(policies)).hash
    edit(policies / "fr.yaml", lambda d: d.pop("humanitarian"))
    after = load_policy("FR", on=date(2026, 6, 1), library=PolicyLibrary(policies)).hash
    assert before == after == load_policy("FR", on=date(2026, 6, 1)).hash


def test_a_state_without_the_route_says_so(policies: Path) -> None:
    edit(policies / "pl.yaml", lambda d: d.pop("humanitarian"))
    with pytest.raises(HumanitarianPolicyError, match="PL has no humanitarian route configured"):
        load_humanitarian_policy("PL", library=PolicyLibrary(policies))


def test_an_unknown_country_is_an_error() -> None:
    with pytest.raises(HumanitarianPolicyError, match="unknown country 'XX'"):
        load_humanitarian_policy("XX")


def _category(d: dict) -> dict:
    return d["humanitarian"]["categories"][0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _category(d).update(code="Immediate"), "categories[0].code"),
        (lambda d: _category(d).update(code="journalists and activists"), "categories[0].code"),
        (lambda d: _category(d).update(review_days=0), "categories[0].review_days"),
        (lambda d: _category(d)["quotas"][0].update(places=-1), "quotas[0].places"),
        (lambda d: _category(d).update(extra=1), "unknown key 'extra'"),
        (lambda d: d["humanitarian"].pop("estimate"), "estimate"),
        (lambda d: d["humanitarian"]["estimate"].update(min_invitations=1), "min_invitations"),
        (lambda d: d["humanitarian"]["reasons"]["move"].append({"code": "x"}), "reasons.move[4]"),
        (
            lambda d: _category(d)["reference"].update(source="nowhere"),
            "categories[0].reference.source: unknown source 'nowhere'",
        ),
        (
            lambda d: d["humanitarian"]["categories"].append(_category(d)),
            "category 'immediate' is defined twice",
        ),
        (
            lambda d: _category(d)["quotas"].append(_category(d)["quotas"][0]),
            "2026 has two quotas",
        ),
        (
            lambda d: d["humanitarian"]["reasons"]["removal"].append(
                d["humanitarian"]["reasons"]["removal"][0]
            ),
            "reason 'duplicate' is listed twice",
        ),
    ],
)
def test_errors_name_the_file_and_the_key(policies: Path, change: object, message: str) -> None:
    edit(policies / "de.yaml", change)
    with pytest.raises(HumanitarianPolicyError) as info:
        load_humanitarian_policy("DE", library=PolicyLibrary(policies))
    assert "de.yaml" in str(info.value) and message in str(info.value)


def test_the_programme_file_has_no_humanitarian_route(policies: Path) -> None:
    fr = yaml.safe_load((policies / "fr.yaml").read_text("utf-8"))
    edit(policies / "programme.yaml", lambda d: d.update(humanitarian=fr["humanitarian"]))
    with pytest.raises(PolicyError, match=r"programme\.yaml"):
        PolicyLibrary(policies).validate()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(member_state="fr"), "member_state"),
        (lambda d: d.update(categories={}), "at least one category"),
        (lambda d: d["categories"]["standard"]["quotas"].update({"26": 1}), "not a year"),
        (lambda d: d["categories"]["standard"].update(review_days=True), "review_days"),
        (lambda d: d["categories"].update({"Bad Code": d["categories"]["standard"]}), "not a code"),
        (lambda d: d["reasons"]["move"].append("risk-increased"), "listed twice"),
        (lambda d: d["reasons"].pop("removal"), "missing key 'removal'"),
        (lambda d: d["estimate"].update(extra=1), "unknown key 'extra'"),
        (lambda d: d["estimate"].update(window_days=1.5), "window_days"),
    ],
)
def test_the_ledger_form_is_read_strictly(change: object, message: str) -> None:
    data = load_humanitarian_policy("FR").to_ledger().to_json()
    change(data)  # type: ignore[operator]
    with pytest.raises(ValueError, match=message):
        LedgerPolicy.from_json(data)
