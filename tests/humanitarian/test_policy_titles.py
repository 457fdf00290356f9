"""The titles of the humanitarian categories and reason codes, in the reader's language: every
member state's policy gives each of them in all the interface's languages (settings.LANGUAGES);
the code reads the reader's language and falls back to English only where a title is missing."""

from __future__ import annotations

import pathlib

import pytest
from django.conf import settings
from django.utils import translation

import relocard
from relocard.core.waitlist import HumanitarianPolicyError, load_humanitarian_policy
from relocard.humanitarian.forms import category_choices, reason_choices

POLICIES = pathlib.Path(relocard.__file__).parent / "policies"


def _humanitarian_policies():
    policies = []
    for path in sorted(POLICIES.glob("*.yaml")):
        if path.stem == "programme":
            continue
        try:
            policies.append(load_humanitarian_policy(path.stem.upper()))
        except HumanitarianPolicyError:
            continue
    return policies


def test_the_member_states_with_a_humanitarian_route_are_found():
    found = {p.country for p in _humanitarian_policies()}
    assert {"FR", "DE", "PL", "CY"} <= found


@pytest.mark.parametrize("policy", _humanitarian_policies(), ids=lambda p: p.country)
def test_every_category_and_reason_has_a_title_in_every_language(policy):
    languages = [code for code, _name in settings.LANGUAGES]
    items = [*policy.categories, *(r for event in policy.reasons.values() for r in event)]
    missing = [
        f"{policy.country} {item.code}: {language}"
        for item in items
        for language in languages
        if not (item.titles.get(language) or "").strip()
    ]
    assert missing == []
    # each language's title is its own (no language copies the English one)
    for item in items:
        for language in languages:
            if language != "en":
                assert item.titles[language] != item.titles["en"], (item.code, language)


def test_the_title_follows_the_reader_and_falls_back_to_english():
    policy = load_humanitarian_policy("FR")
    immediate = policy.category("immediate")
    assert immediate.title_in("de") == "Unmittelbare Gefahr"
    assert immediate.title_in("el") == "Άμεσος κίνδυνος"
    assert immediate.title_in("fr-FR") == "Danger immédiat"
    assert immediate.title_in("ru") == immediate.title_ru
    assert immediate.title_in("it") == immediate.title == "Immediate danger"
    assert immediate.title_in(None) == immediate.title


def test_the_forms_offer_the_titles_in_the_active_language():
    policy = load_humanitarian_policy("DE")
    with translation.override("pl"):
        assert dict(category_choices(policy))["standard"] == "Uzasadnione ryzyko"
        assert dict(reason_choices(policy, "invitation"))["court-order"] == (
            "Zaproszenie zostało nakazane przez sąd"
        )
    with translation.override("en"):
        assert dict(category_choices(policy))["standard"] == "Well-founded risk"
