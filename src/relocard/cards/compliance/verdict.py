"""The verdict on one card, the straightforward way: the ORM, one card at a time.

:func:`compliance_for_card` reads the card's presence (``presence_for_card``), the latest facts
row of its case and the accepted force-majeure days, evaluates the ``renewal`` stage with
``rules.evaluate`` and applies :func:`relocard.core.compliance.verdict_status`. The nightly run
computes the same verdicts in columns; the tests hold the two equal, and this is the
benchmark's baseline.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from relocard.cards.models import Card, CardCompliance
from relocard.cases.models import AcceptedException, CaseFacts, ExceptionKind
from relocard.core import rules
from relocard.core.compliance import (
    RESIDENCE,
    STAGE,
    Verdict,
    renewal_window_days,
    verdict_status,
)
from relocard.presence.selectors import presence_for_card, residence_facts

FORCE_MAJEURE = ExceptionKind.FORCE_MAJEURE_ABSENCE.value


def facts_mapping(row: CaseFacts | None) -> dict[str, Any]:
    """The rules' FACTS from a flat facts row (blank means unknown, ``none`` no language)."""
    if row is None:
        return {}
    facts: dict[str, Any] = {}
    if row.nationality:
        facts["nationality"] = row.nationality
    if row.isced_level is not None:
        facts["education"] = {"isced_level": row.isced_level}
    if row.languages:
        text = row.languages.strip()
        skills = [] if text.lower() == "none" else [p for p in text.split(";") if p.strip()]
        facts["languages"] = [
            {"language": lang.strip(), "cefr": cefr.strip()}
            for lang, _sep, cefr in (s.partition(":") for s in skills)
        ]
    if row.employment:
        facts["employment"] = row.employment
    housing = {
        k: v for k, v in (("tenure", row.housing_tenure), ("country", row.housing_country)) if v
    }
    if housing:
        facts["housing"] = housing
    if row.liquid_assets_eur is not None:
        facts["liquid_assets_eur"] = str(row.liquid_assets_eur)
    return facts


def compliance_for_card(card: Card, *, today: date) -> Verdict:
    """The verdict on one card, the straightforward way (the ORM, one card at a time).

    Used by the tests to check ``compliance_run`` and as the benchmark's baseline.
    """
    presence = presence_for_card(card, as_of=today)
    row = CaseFacts.objects.filter(application_id=card.application_id).order_by("-cycle").first()
    cycle = row.cycle if row is not None else card.cycle
    accepted = [
        rules.AcceptedException(
            kind=FORCE_MAJEURE,
            accepted_by=f"user {e.accepted_by_id}",
            reason=(e.reason.strip() or "-")[: rules.accepted.MAX_REASON],
            days=min(e.days, 366),
        )
        for e in AcceptedException.objects.filter(
            application_id=card.application_id, cycle=cycle, kind=FORCE_MAJEURE, days__gte=1
        )
    ]
    facts = facts_mapping(row) | residence_facts(presence)
    evaluation = rules.evaluate(
        country=card.member_state_id, stage=STAGE, facts=facts, on=today, exceptions=accepted
    )
    not_met = tuple(c.id for c in evaluation.not_met)
    unknown = tuple(c.id for c in evaluation.unknown)
    window = renewal_window_days(card.member_state_id, on=today)
    expires_on = row.expires_on if row is not None else None
    result = presence.result
    status = verdict_status(
        residence_not_met=RESIDENCE in not_met,
        other_not_met=any(c != RESIDENCE for c in not_met),
        any_unknown=bool(unknown),
        year_over=today >= card.valid_until,
        window_open=(card.valid_until - today).days <= window,
        evidence_expires_early=expires_on is not None and expires_on < card.valid_until,
    )
    return Verdict(
        status=status,
        presence_status=result.status.value,
        present_min=result.days_in_period - result.projected_absent_days.max,
        present_max=result.days_in_period - result.projected_absent_days.min,
        budget_left_min=result.budget_left.min,
        outcome=evaluation.outcome.value,
        not_met=not_met,
        unknown=unknown,
        evidence_expires_on=expires_on,
    )


def compliance_save(card: Card, verdict: Verdict) -> CardCompliance:
    """Store one verdict (the naive loop's write; the run upserts in bulk)."""
    row, _created = CardCompliance.objects.update_or_create(
        card=card, defaults={**verdict.fields(), "changed_at": timezone.now()}
    )
    return row
