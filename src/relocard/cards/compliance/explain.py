"""Explaining a stored verdict: figures and criteria for the console's cards-at-risk page, and
the words that tell a holder what changed and what to do (their dashboard and e-mail).

The wording lives here, beside the verdict it explains: whatever sends the holder's e-mail
takes its body from :func:`holder_advice` rather than wording a verdict itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from relocard.cards.models import CardCompliance, ComplianceStatus
from relocard.core import rules
from relocard.core.compliance import RESIDENCE
from relocard.core.residence import required_present_days


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a card is at risk or failing, as figures and criteria titles in the reader's
    language."""

    days: int
    required: int
    present_min: int
    present_max: int
    budget_left_min: int
    presence_status: str
    residence_not_met: bool
    not_met: tuple[str, ...]
    unknown: tuple[str, ...]
    evidence_expires_on: date | None
    valid_until: date

    @property
    def over_budget(self) -> int:
        """Days of absence beyond the budget in the worst case (0 when within it)."""
        return max(0, -self.budget_left_min)

    @property
    def evidence_expires_early(self) -> bool:
        return self.evidence_expires_on is not None and self.evidence_expires_on < self.valid_until


def _titles(ids: str) -> tuple[str, ...]:
    lang = get_language() or "en"
    out = []
    for cid in filter(None, ids.split(",")):
        criterion = rules.CRITERIA.get(cid)
        out.append(criterion.title.render(lang) if criterion is not None else cid)
    return tuple(out)


def explain(row: CardCompliance) -> Explanation:
    """The reasons behind a stored verdict (``row.card`` should be fetched with it)."""
    card = row.card
    days = (card.valid_until - card.valid_from).days + 1
    ids = [c for c in row.not_met.split(",") if c]
    return Explanation(
        days=days,
        required=required_present_days(days),
        present_min=row.present_min,
        present_max=row.present_max,
        budget_left_min=row.budget_left_min,
        presence_status=row.presence_status,
        residence_not_met=RESIDENCE in ids,
        not_met=_titles(",".join(c for c in ids if c != RESIDENCE)),
        unknown=_titles(row.unknown),
        evidence_expires_on=row.evidence_expires_on,
        valid_until=card.valid_until,
    )


def holder_advice(row: CardCompliance) -> list[str]:
    """What changed and what to do, for the holder's e-mail (in the active language)."""
    why = explain(row)
    lines = []
    figures = {"present": why.present_min, "days": why.days, "required": why.required}
    if why.residence_not_met and row.status == ComplianceStatus.FAILING:
        lines.append(
            _(
                "Your card year has ended with fewer days of presence than required: "
                "%(present)s of %(days)s days, where %(required)s are needed. Contact your "
                "caseworker: absence for force majeure can be excused."
            )
            % figures
        )
    elif why.residence_not_met:
        lines.append(
            _(
                "In the worst case you would be in the country on %(present)s of the %(days)s "
                "days of your card year, and %(required)s are needed. Add any missing return "
                "dates on the My trips page and plan your trips so as to stay on track."
            )
            % figures
        )
    if why.not_met:
        lines.append(
            _(
                "Not met according to your verified documents: %(criteria)s. Upload up-to-date "
                "documents to your case, or contact your caseworker."
            )
            % {"criteria": ", ".join(why.not_met)}
        )
    if why.unknown and row.status != ComplianceStatus.OK:
        lines.append(
            _(
                "Verified documents are missing for: %(criteria)s. Add them when you apply to "
                "renew your card."
            )
            % {"criteria": ", ".join(why.unknown)}
        )
    if why.evidence_expires_early:
        assert why.evidence_expires_on is not None
        lines.append(
            _(
                "A document in your case is valid only until %(date)s, before your card ends "
                "on %(until)s. Upload a renewed document in time."
            )
            % {
                "date": formats.date_format(why.evidence_expires_on, "DATE_FORMAT"),
                "until": formats.date_format(why.valid_until, "DATE_FORMAT"),
            }
        )
    return lines
