"""The security screening's approval blockers (registered with the approval gate).

Caseworkers read these messages on the case page: they say that screening is pending, under
review or blocks the case, never which list entry, score or national authority's reasons.
No exception waives them (no ``criterion``): a confirmed match or an objection leads to a
refusal or a revocation through the existing four-eyes flows.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from relocard.cases.approval import ApprovalBlocker, register_approval_blocker
from relocard.screening.models import CheckType
from relocard.screening.selectors import case_screening

__all__ = [
    "SCREENING_GROUND",
    "blocked_message",
    "screening_ground_label",
    "screening_refusal_reason",
    "security_screening",
]

#: The ground a refusal cites when the security screening blocks the case (beside the rules'
#: criteria in the refusal form; the decision names it, never the list or the authority's file).
SCREENING_GROUND = "security_screening"


def blocked_message() -> str:
    return _("Blocked by security screening: refuse or revoke through the four-eyes flow.")


def screening_ground_label() -> str:
    return _("Security screening")


def screening_refusal_reason() -> str:
    return _(
        "The security checks required before a residence permit is issued found grounds of "
        "public policy or internal security that preclude it. The details of these checks are "
        "not disclosed; you may appeal the decision."
    )


@register_approval_blocker
def security_screening(application, evaluation):
    state = case_screening(application)
    if not state.applies:
        return
    if state.blocked:
        yield ApprovalBlocker("screening_blocked", blocked_message())
        return
    if not state.list_loaded:
        yield ApprovalBlocker(
            "screening_pending",
            _(
                "Security screening pending: no sanctions list is loaded yet, so the case "
                "cannot be screened."
            ),
        )
    elif state.pending:
        yield ApprovalBlocker(
            "screening_pending",
            _(
                "Security screening pending: the case has not yet been screened against the "
                "current sanctions list."
            ),
        )
    if state.under_review:
        yield ApprovalBlocker(
            "screening_review",
            _(
                "Security screening: a possible match is under review by the screening "
                "officers. The case cannot be approved until they decide."
            ),
        )
    if state.checks_open:
        yield ApprovalBlocker(
            "national_checks",
            _("National checks not answered yet: %(checks)s.")
            % {
                "checks": ", ".join(
                    _("%(check)s (due %(date)s)")
                    % {"check": CheckType(c).label, "date": d.isoformat()}
                    if d is not None
                    else _("%(check)s (not requested yet)") % {"check": CheckType(c).label}
                    for c, d in state.checks_open
                )
            },
        )
