"""The rules engine in the case pages: pre-check, pre-filled refusal, stamped decisions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relocard.cases import selectors
from relocard.cases.models import Decision
from relocard.core import rules

pytestmark = pytest.mark.django_db

WEAK = [
    ("passport", {"passport-nationality": "RU"}),
    ("diploma", {"diploma-isced_level": "7"}),
    (
        "language_certificate",
        {"language_certificate-language": "fr", "language_certificate-cefr": "B2"},
    ),
    ("liquid_assets", {"liquid_assets-amount_eur": "11000"}),
]


def test_unverified_evidence_leaves_criteria_unknown(make_case):
    app = make_case("in_review", verify=False)
    evaluation = selectors.case_precheck(application=app)
    assert evaluation.outcome.value == "undetermined"
    assert {c.id for c in evaluation.unknown} == {"nationality", "education", "language", "means"}


def test_verified_evidence_makes_the_case_eligible(make_case):
    app = make_case("in_review")
    assert selectors.case_precheck(application=app).outcome.value == "eligible"


def test_caseworker_sees_the_precheck_and_a_prefilled_refusal(client, make_case, staff):
    app = make_case("in_review", evidence=WEAK)
    client.force_login(staff["caseworker"])
    html = client.get(reverse("console:case", args=[app.reference])).content.decode()
    assert "Automatic pre-check" in html
    assert "Some criteria not met" in html
    # The refusal form's "Liquid assets" reason holds the engine's explanation of the shortfall.
    assert "Liquid assets of EUR 11,000 are below the EUR 12,000 required" in html


def test_applicant_reads_the_explanation_in_russian(client, make_case):
    app = make_case("in_review", evidence=WEAK)
    client.force_login(app.applicant.user)
    client.cookies["relocard_language"] = "ru"
    html = client.get(reverse("portal:case", args=[app.reference])).content.decode()
    assert "11\u00a0000" in html and "12\u00a0000" in html
    assert "Ликвидные средства" in html or "ликвидн" in html.lower()


def test_decision_keeps_the_stamp_and_replays(make_case, staff):
    app = make_case("refusal_proposed", evidence=WEAK)
    decision = Decision.objects.get(application=app)
    stamp = decision.evaluation["policy"]
    assert stamp["country"] == "FR" and len(stamp["hash"]) >= 16 and stamp["engine_version"]
    replayed = rules.replay(
        stamp,
        stage="issuance",
        facts=selectors.verified_facts(app, on=app.decisions.get().proposed_at.date()),
    )
    assert replayed.to_dict()["outcome"] == decision.evaluation["outcome"] == "not_eligible"
    assert [c["result"] for c in replayed.to_dict()["criteria"]] == [
        c["result"] for c in decision.evaluation["criteria"]
    ]
