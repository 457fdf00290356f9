"""Programme-wide reads for the console: honest statistics (computed in
:mod:`relocard.cases.statistics`, read here per staff member), the what-if simulation."""

from __future__ import annotations

from collections.abc import Iterable

from relocard.cards.compliance import facts_frame
from relocard.cards.models import Card, CardCompliance, CardStatus
from relocard.cases.models import (
    Application,
    CaseState,
)
from relocard.common import access
from relocard.core import rules
from relocard.core.rules.bulk import TABLE_SCHEMA
from relocard.reference.models import MemberState


def member_states_in_view(user) -> list[str]:
    """The member states whose figures a staff member sees: all where the programme runs for
    programme admins, their own for everyone else (the access checks come first)."""
    if access.sees_all_member_states(user):
        return list(
            MemberState.objects.filter(programme_enabled=True).values_list("code", flat=True)
        )
    return [user.member_state_id]


# --- what if: a parameter changed for one member state, over its real cases ----------------------


def what_if(*, member_state: str, stage: str, on, overrides: dict[str, str]) -> dict:
    """Run the rules' simulation over the member state's cases, before and after ``overrides``.

    The population: for a first card, every open first-card case; at renewal, every active
    card, with its presence over the card year as the nightly run last measured it. Facts come
    from verified evidence only, as in the pre-check. Nothing is written.
    """
    import polars as pl

    if stage == "issuance":
        ids = Application.objects.filter(
            member_state_id=member_state,
            stage="issuance",
            state__in=[
                CaseState.SUBMITTED,
                CaseState.IN_REVIEW,
                CaseState.CORRECTION_REQUESTED,
                CaseState.REFUSAL_PROPOSED,
                CaseState.APPROVAL_PROPOSED,
            ],
        ).values("id")
        table = facts_frame(ids)
    else:
        cards = Card.objects.filter(member_state_id=member_state, status=CardStatus.ACTIVE)
        table = facts_frame(cards.values("application_id"))
        presence = (
            pl.DataFrame(
                list(
                    CardCompliance.objects.filter(card__in=cards).values_list(
                        "card__application_id",
                        "present_min",
                        "card__valid_from",
                        "card__valid_until",
                    )
                ),
                schema={
                    "application_id": pl.Int64,
                    "present_days": pl.Int64,
                    "from": pl.Date,
                    "until": pl.Date,
                },
                orient="row",
            )
            .with_columns(period_days=(pl.col("until") - pl.col("from")).dt.total_days() + 1)
            .drop("from", "until")
        )
        table = table.join(presence, on="application_id", how="left")

    keep = [c for c in table.columns if c in TABLE_SCHEMA]
    return rules.simulate(
        table.select(keep), country=member_state, stage=stage, on=on, overrides=overrides
    )


def case_references(object_ids: Iterable[str]) -> dict[str, str]:
    """The reference of each case named by its row id (as an audit event's ``object_id``, a
    string); ids that are not numbers or name no case are left out."""
    return {
        str(pk): reference
        for pk, reference in Application.objects.filter(
            pk__in=[i for i in object_ids if i.isdigit()]
        ).values_list("pk", "reference")
    }
