"""Reads of cards that are more than a get."""

from __future__ import annotations

from collections.abc import Iterable

from relocard.cards.models import CardCompliance, CardStatus, ComplianceRun
from relocard.reference.models import MemberState


def compliance_by_user(user_ids: Iterable[int]) -> dict[int, CardCompliance]:
    """The current compliance verdict on each user's active card (one query), with the card
    and its holder fetched."""
    rows = (
        CardCompliance.objects.filter(
            card__applicant__user_id__in=list(user_ids), card__status=CardStatus.ACTIVE
        )
        .select_related("card", "card__applicant")
        .order_by("card__valid_from", "card_id")
    )
    return {row.card.applicant.user_id: row for row in rows}


def last_compliance_run() -> ComplianceRun | None:
    """The latest nightly compliance run (only its end time is fetched), or None."""
    return ComplianceRun.objects.only("finished_at").first()


def publishes_status_list(member_state_code: str) -> bool:
    """Whether the member state (two-letter code, any case) runs the programme and so
    publishes a status list."""
    return MemberState.objects.filter(
        code=member_state_code.upper(), programme_enabled=True
    ).exists()
