"""Explanations as an applicant reads them (issue 16): what the rules say about declared facts
before submission, plain reasons with technical details in a disclosure and the legal basis
cited once, one term for ISCED per language, and every explanation in the reader's language."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from relocard.cases import selectors
from relocard.core.i18n import LOCALE_DIR
from relocard.core.rules import explanation_text

pytestmark = pytest.mark.django_db

SHORT = [
    ("passport", {"passport-nationality": "RU"}),
    ("diploma", {"diploma-isced_level": "5"}),
    (
        "language_certificate",
        {"language_certificate-language": "ru", "language_certificate-cefr": "C2"},
    ),
    ("liquid_assets", {"liquid_assets-amount_eur": "30000"}),
]


def test_before_submission_the_applicant_reads_what_we_will_check(client, make_case):
    app = make_case("draft", evidence=SHORT)
    client.force_login(app.applicant.user)
    html = client.get(reverse("portal:submit", args=[app.reference])).content.decode()
    section = html[html.index('id="what-we-check"') :]
    assert "What we will check" in html
    # The declared degree and certificate, worded as declared (nothing is verified yet).
    assert (
        "Highest declared degree: ISCED level 5 (short-cycle tertiary education), below the "
        "level 6 (bachelor&#x27;s or equivalent) required." in section
    )
    assert "No declared language meets the requirement" in section
    assert "declared: Russian (ru) at C2" in section
    listed = section.split("</ul>")[0]
    assert "verified" not in listed.lower()
    # Criteria the declaration meets are not listed.
    assert "Liquid assets of" not in listed


def test_what_we_will_check_is_absent_when_the_declaration_meets_the_rules(client, make_case):
    app = make_case("draft")
    client.force_login(app.applicant.user)
    html = client.get(reverse("portal:submit", args=[app.reference])).content.decode()
    assert "What we will check" not in html
    assert selectors.declared_shortfalls(app, selectors.cycle_evidence(app)) == []


def test_what_we_will_check_in_russian(client, make_case, make_user):
    app = make_case("draft", evidence=SHORT)
    user = app.applicant.user
    user.preferred_language = "ru"
    user.save(update_fields=["preferred_language"])
    client.force_login(user)
    html = client.get(reverse("portal:submit", args=[app.reference])).content.decode()
    assert "Заявленный уровень образования: МСКО 5" in html
    assert "ISCED" not in html


def test_explanations_keep_technical_details_in_a_disclosure(client, make_case):
    app = make_case(
        "in_review", evidence=[*SHORT[:3], ("liquid_assets", {"liquid_assets-amount_eur": "11000"})]
    )
    client.force_login(app.applicant.user)
    html = client.get(reverse("portal:case", args=[app.reference])).content.decode()
    section = html[html.index('id="precheck-title"') :]
    plain = re.sub(r"<details.*?</details>", "", section, flags=re.S)
    # The reason is plain; parameter names and the rules' hash sit in disclosures only.
    assert "Liquid assets of EUR 11,000 are below the EUR 12,000 required" in plain
    assert "Parameter" not in plain and "sha256" not in plain and "engine" not in plain
    assert "means.months" in section and "<details" in section
    # The legal basis is cited once for the whole evaluation, not per criterion.
    assert plain.count("The New Russian Diaspora") == 1
    assert "Legal basis" in plain


def test_stored_explanations_of_the_old_shape_still_read():
    old = {"en": "Liquid assets of EUR 1 are below.", "ru": "Ликвидные средства: 1 евро."}
    assert explanation_text(old, "ru") == old["ru"]
    assert explanation_text(old, "fr") == old["en"]  # rows before messages: English
    assert explanation_text("plain", "de") == "plain"


def test_isced_is_one_term_per_language():
    """Russian texts say МСКО (ISCED's Russian name) everywhere, never the Latin acronym."""
    text = (LOCALE_DIR / "ru" / "LC_MESSAGES" / "django.po").read_text("utf-8")
    russian = [
        line
        for line in text.splitlines()
        if line.startswith(("msgstr", '"')) and re.search(r"[а-я]", line)
    ]
    assert russian
    assert not [line for line in russian if "ISCED" in line]
