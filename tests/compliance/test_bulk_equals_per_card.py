"""The nightly run's columnar verdicts equal the straightforward per-card implementation."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from tests.compliance.conftest import TODAY

from relocard.cards import compliance
from relocard.cards.models import Card, CardCompliance, CardStatus
from relocard.cases.models import AcceptedException, CaseFacts
from relocard.core.compliance import bulk
from relocard.presence.models import Trip

pytestmark = pytest.mark.django_db


def _stored(card_id: int) -> dict:
    row = CardCompliance.objects.get(card_id=card_id)
    return {f: getattr(row, f) for f in compliance.VERDICT_FIELDS}


@pytest.mark.parametrize(
    ("seed", "shift", "slice_"),
    [(1, 0, None), (2, 0, None), (3, -100, None), (4, 200, None), (5, 0, 97)],
    ids=["seed1", "seed2", "earlier", "later", "sliced"],
)
def test_bulk_verdicts_equal_the_per_card_ones(population, monkeypatch, seed, shift, slice_):
    if slice_ is not None:  # presence in many slices of cards, as with millions of trips
        monkeypatch.setattr(bulk, "PRESENCE_SLICE", slice_)
    today = TODAY + timedelta(days=shift)
    pop = population(150, seed=seed, today=TODAY)
    run = compliance.compliance_run(today=today)

    active = list(
        Card.objects.filter(pk__in=[c.pk for c in pop.cards], status=CardStatus.ACTIVE)
        .select_related("applicant", "member_state")
        .order_by("pk")
    )
    assert run.cards == len(active) > 50
    statuses = Counter()
    for card in active:
        expected = compliance.compliance_for_card(card, today=today).fields()
        assert _stored(card.pk) == expected, f"card {card.pk}"
        statuses[expected["status"]] += 1
    # The population is varied enough for the comparison to mean something.
    assert set(statuses) == {"ok", "at_risk", "failing"}
    assert CardCompliance.objects.filter(card__status=CardStatus.ACTIVE).count() == len(active)


def test_the_population_holds_every_hard_case(population):
    """Guard against a generator that stops producing the cases the comparison is for."""
    pop = population(150, seed=1)
    ids = [c.pk for c in pop.cards]
    apps = [c.application_id for c in pop.cards]
    assert Trip.objects.filter(applicant__cards__in=ids, returned__isnull=True).exists()
    assert Trip.objects.filter(applicant__cards__in=ids, left__isnull=True).exists()
    with_facts = set(
        CaseFacts.objects.filter(application_id__in=apps).values_list("application_id", flat=True)
    )
    assert len(with_facts) < len(apps)  # some cases have no facts at all
    assert AcceptedException.objects.filter(application_id__in=apps, days__gte=1).exists()
    assert CaseFacts.objects.filter(application_id__in=apps, expires_on__isnull=False).exists()
    compliance.compliance_run(today=TODAY)
    rows = CardCompliance.objects.filter(card_id__in=ids)
    assert rows.exclude(evidence_expires_on=None).exists()
    assert rows.filter(presence_status="at_risk").exists()
    assert rows.filter(presence_status="not_met").exists()
    assert rows.exclude(unknown="").exists() and rows.exclude(not_met="").exists()
    assert Card.objects.filter(pk__in=ids, status=CardStatus.EXPIRED).exists()


def test_force_majeure_days_count_for_the_facts_rows_cycle(population):
    """Excused days turn a lost presence year into a met one, in both implementations."""
    pop = population(60, seed=7)
    compliance.compliance_run(today=TODAY)
    lost = (
        CardCompliance.objects.filter(card__in=pop.cards, card__status=CardStatus.ACTIVE)
        .filter(not_met__contains="residence", budget_left_min__gte=-20)
        .select_related("card")
        .first()
    )
    if lost is None:  # make one: a trip that breaks the budget by a few days
        card = Card.objects.filter(pk__in=[c.pk for c in pop.cards], status="active").first()
        Trip.objects.filter(applicant=card.applicant).delete()
        Trip.objects.create(
            applicant=card.applicant,
            left=card.valid_from + timedelta(days=10),
            returned=card.valid_from + timedelta(days=10 + 95),
            created_by=card.applicant.user,
        )
    else:
        card = lost.card
    row = CaseFacts.objects.filter(application_id=card.application_id).order_by("-cycle").first()
    cycle = row.cycle if row else card.cycle
    AcceptedException.objects.filter(application_id=card.application_id).delete()
    compliance.compliance_run(today=TODAY)
    before = CardCompliance.objects.get(card=card)
    assert "residence" in before.not_met.split(",")
    AcceptedException.objects.create(
        application_id=card.application_id,
        cycle=cycle + 5,  # another cycle: ignored
        kind="force_majeure_absence",
        days=30,
        reason="Another year.",
        accepted_by=pop.staff,
        accepted_at=card.issued_at,
    )
    compliance.compliance_run(today=TODAY)
    assert "residence" in CardCompliance.objects.get(card=card).not_met.split(",")
    AcceptedException.objects.create(
        application_id=card.application_id,
        cycle=cycle,
        kind="force_majeure_absence",
        days=30,
        reason="Airport closed for a month, evidence E-77.",
        accepted_by=pop.staff,
        accepted_at=card.issued_at,
    )
    compliance.compliance_run(today=TODAY)
    after = CardCompliance.objects.get(card=card)
    assert "residence" not in after.not_met.split(",")
    assert _stored(card.pk) == compliance.compliance_for_card(card, today=TODAY).fields()
