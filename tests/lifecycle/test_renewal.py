"""Renewal cycles, the interim certificate and exceptions at the end of the trial year."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from relocard.cards import credentials as creds
from relocard.cards.models import Card
from relocard.cases import renewal
from relocard.cases import services as cs
from relocard.cases.models import EvidenceItem
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.presence import services as trips

pytestmark = pytest.mark.django_db

RENEWAL_EVIDENCE = [
    ("employment_contract", {"employment_contract-country": "FR"}),
    ("lease_or_deed", {"lease_or_deed-tenure": "tenant", "lease_or_deed-country": "FR"}),
]


def _renew(app, staff, *, evidence=RENEWAL_EVIDENCE):
    user = app.applicant.user
    renewal.renewal_open(actor=user, application=app)
    app.refresh_from_db()
    for kind, facts in evidence:
        from tests.conftest import upload

        cs.evidence_add(actor=user, application=app, kind=kind, upload=upload(), facts_data=facts)
    cs.application_submit(actor=user, application=app, token=secrets.token_hex(6))
    app.refresh_from_db()
    cs.application_start_review(actor=staff["caseworker"], application=app, version=app.version)
    app.refresh_from_db()
    for item in app.evidence.filter(cycle=app.cycle, status="pending"):
        data = {f"review-{item.pk}-{k}": v for k, v in item.declared.items()}
        cs.evidence_review(
            actor=staff["caseworker"], evidence=item, status="verified", facts_data=data
        )
    app.refresh_from_db()
    return app


def test_renewal_opens_only_in_the_window(holder_near_expiry):
    app, card = holder_near_expiry(days_left=200)
    first, _last = renewal.renewal_window(card)
    # The window's dates are written for people, in their language ("12 March 2027").
    with pytest.raises(InvalidState, match=f"You can renew from {first.day} {first:%B %Y} until"):
        renewal.renewal_open(actor=app.applicant.user, application=app)
    Card.objects.filter(pk=card.pk).update(valid_until=card.valid_until - timedelta(days=100))
    renewal.renewal_open(actor=app.applicant.user, application=app)
    app.refresh_from_db()
    assert (app.state, app.stage, app.cycle) == ("draft", "renewal", 2)


def test_renewal_carries_over_valid_evidence_only(holder_near_expiry, staff):
    app, card = holder_near_expiry()
    # The language certificate expires during the card year: it must be renewed.
    EvidenceItem.objects.filter(application=app, kind="language_certificate").update(
        expires_on=card.valid_until - timedelta(days=5)
    )
    renewal.renewal_open(actor=app.applicant.user, application=app)
    app.refresh_from_db()
    carried = set(app.evidence.filter(cycle=2).values_list("kind", flat=True))
    assert carried == {"passport", "diploma", "liquid_assets"}
    assert [i.kind for i in renewal.expired_evidence(app)] == ["language_certificate"]
    assert all(i.status == "verified" for i in app.evidence.filter(cycle=2))


def test_only_the_holder_renews(holder_near_expiry, staff):
    app, _card = holder_near_expiry()
    with pytest.raises(NotAllowed):
        renewal.renewal_open(actor=staff["caseworker"], application=app)


def test_renewal_gives_an_interim_certificate_then_a_new_card(holder_near_expiry, staff):
    app, old = holder_near_expiry(days_left=20)
    app = _renew(app, staff)
    interim = creds.interim_current(old)
    assert interim is not None and interim.valid_until == app.decision_due
    verdict = creds.verify_payload(interim.payload)
    assert verdict.valid and verdict.claims["kind"] == "interim", verdict.to_dict()
    # The old card stays valid while the renewal is processed.
    assert creds.verify_payload(creds.latest(old, "rc1").payload).valid

    from relocard.cases.selectors import case_precheck

    assert case_precheck(application=app).outcome.value == "eligible", case_precheck(
        application=app
    ).to_dict()
    cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    new = app.cards.get(cycle=2)
    assert new.valid_from == old.valid_until + timedelta(days=1)
    assert new.number != old.number
    assert creds.verify_payload(creds.latest(new, "rc1").payload).status == "not_yet_valid"
    # The interim certificate is withdrawn at the decision.
    after = creds.verify_payload(interim.payload)
    assert not after.valid and after.status == "revoked"
    assert app.transitions.filter(cycle=2).exists() and app.transitions.filter(cycle=1).exists()


def test_renewal_refused_for_presence_explains_it(holder_near_expiry, staff):
    from relocard.cases.selectors import case_precheck

    app, card = holder_near_expiry(days_left=20)
    trips.trip_save(
        actor=app.applicant.user,
        applicant=app.applicant,
        left=card.valid_from + timedelta(days=10),
        returned=card.valid_from + timedelta(days=150),
    )
    app = _renew(app, staff)
    evaluation = case_precheck(application=app)
    residence = evaluation.criterion("residence")
    assert residence.result.value == "not_met"
    assert "present" in residence.explanation.get("en").lower()
    cs.refusal_propose(
        actor=staff["caseworker"],
        application=app,
        version=app.version,
        reasons={"residence": residence.explanation.get("en")},
        summary="",
    )
    app.refresh_from_db()
    cs.refusal_confirm(actor=staff["supervisor"], application=app, version=app.version)
    app.refresh_from_db()
    assert app.state == "refused"
    assert creds.interim_current(card) is None  # withdrawn at the decision


def test_force_majeure_exception_is_capped_and_named(holder_near_expiry, staff):
    from relocard.cases.selectors import case_precheck

    app, card = holder_near_expiry(days_left=20)
    # 105 days abroad: 14 over the budget of 91.
    trips.trip_save(
        actor=app.applicant.user,
        applicant=app.applicant,
        left=card.valid_from + timedelta(days=10),
        returned=card.valid_from + timedelta(days=116),
    )
    app = _renew(app, staff)
    assert case_precheck(application=app).criterion("residence").result.value == "not_met"
    with pytest.raises(InvalidInput):
        renewal.exception_accept(actor=staff["caseworker"], application=app, days=20, reason=" ")
    renewal.exception_accept(
        actor=staff["caseworker"],
        application=app,
        days=20,
        reason="Hospitalised abroad, medical certificate verified.",
    )
    residence = case_precheck(application=app).criterion("residence")
    assert residence.result.value == "met"
    assert "Hospitalised abroad" in residence.explanation.get("en")
    assert staff["caseworker"].email in residence.explanation.get("en")
