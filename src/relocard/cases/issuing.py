"""What an approval does after the decision row: the identity it rests on, and the card.

Shared by the one-caseworker approval (:func:`relocard.cases.services.application_approve`) and
the supervisor's confirmation of an approval with exceptions
(:func:`relocard.cases.approval.approval_confirm`), so that neither imports the other.
"""

from __future__ import annotations

from datetime import timedelta

from relocard.accounts.models import User
from relocard.cards.services import card_issue
from relocard.cases.identity_changes import identity_of
from relocard.cases.models import Application, Decision, Stage
from relocard.cases.renewal import interim_after_decision
from relocard.cases.selectors import renewal_card
from relocard.cases.signals import decision_taken_send
from relocard.cases.steps import local_today
from relocard.common.notifications import notify

__all__ = ["identity_snapshot", "issue_on_approval"]


def identity_snapshot(application: Application) -> dict:
    """The verified identity a decision rests on, kept with it (dates as ISO strings)."""
    return identity_of(application.applicant)


def issue_on_approval(*, actor: User, application: Application, decision: Decision) -> None:
    """Issue the card of an approved case (inside the approving transaction)."""
    app = application
    valid_from = local_today(app.member_state)
    if app.stage == Stage.RENEWAL:
        previous = renewal_card(app)
        if previous is not None:
            # The new year starts the day after the old card ends (no gap, no overlap).
            valid_from = max(valid_from, previous.valid_until + timedelta(days=1))
        interim_after_decision(app)
    card_issue(actor=actor, application=app, valid_from=valid_from)
    decision_taken_send(kind="approval", application=app, decision=decision)
    notify(app.applicant.user, "approved", app.reference)
