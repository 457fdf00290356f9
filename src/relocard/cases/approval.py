"""The approval gate: a card only on verified facts, or on a recorded exception with four eyes.

A case can be approved by one caseworker only when nothing blocks it. What blocks it is the
list of *approval blockers*: functions registered with :func:`register_approval_blocker`
that look at a case (and its pre-check) and return the reasons it cannot be approved. The
built-in ones ask that

- every criterion of the stage is met on verified evidence (a criterion not met, or not yet
  known because nothing verified proves it, blocks);
- the passport of this card year is verified (the identity the card states rests on it);
- every document filed for this card year has been checked.

A blocker about one criterion (``criterion`` set) can be overcome by an *exception*: the
caseworker proposes the approval with a reason per blocked criterion, and a supervisor other
than the proposer confirms it (the same four-eyes flow as a refusal, with its history rows
and audit events). Any other blocker cannot be waived. Another app (e.g. a security
screening) adds its own check by registering a function in its ``AppConfig.ready``::

    from relocard.cases.approval import ApprovalBlocker, register_approval_blocker

    @register_approval_blocker
    def screening_pending(application, evaluation):
        if ...:
            yield ApprovalBlocker("screening", _("The security screening is not finished."))

The services check the gate inside the transaction, on the locked case: the console's
buttons only mirror it. Errors: :class:`~relocard.common.errors.InvalidState` (something
blocks), :class:`~relocard.common.errors.InvalidInput` (an exception without its reason),
:class:`~relocard.common.errors.NotAllowed` (not a reviewer, or the proposer confirming).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from relocard.accounts.models import User
from relocard.audit.services import audit_record
from relocard.cards.services import passport_expiry
from relocard.cases.duplicates import is_held
from relocard.cases.issuing import identity_snapshot, issue_on_approval
from relocard.cases.models import (
    Application,
    Decision,
    DecisionOutcome,
    DecisionStatus,
    EvidenceKind,
    EvidenceStatus,
)
from relocard.cases.selectors import case_precheck
from relocard.cases.steps import case_lock as _lock
from relocard.cases.steps import case_move as _move
from relocard.cases.steps import decision_propose, local_today, pending_decision
from relocard.cases.steps import require_reviewer as _require_reviewer
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.core import rules
from relocard.core.i18n import Msg, gettext_noop, msg
from relocard.core.rules import Evaluation, Result

__all__ = [
    "ApprovalBlocker",
    "approval_blockers",
    "approval_confirm",
    "approval_propose",
    "approval_return",
    "decision_explanation",
    "pending_approval",
    "register_approval_blocker",
    "require_approvable",
]


@dataclass(frozen=True, slots=True)
class ApprovalBlocker:
    """One reason a case cannot be approved as it stands."""

    code: str
    message: str
    #: The criterion concerned: a supervisor may then confirm an exception for it.
    criterion: str = ""

    @property
    def waivable(self) -> bool:
        return bool(self.criterion)


BlockerCheck = Callable[[Application, Evaluation], Iterable[ApprovalBlocker]]
_CHECKS: list[BlockerCheck] = []


def register_approval_blocker(check: BlockerCheck) -> BlockerCheck:
    """Add a check to the gate (once; usable as a decorator)."""
    if check not in _CHECKS:
        _CHECKS.append(check)
    return check


def approval_blockers(
    application: Application, evaluation: Evaluation | None = None
) -> list[ApprovalBlocker]:
    """Every reason the case cannot be approved now (empty: one caseworker may approve)."""
    if evaluation is None:
        evaluation = case_precheck(application=application)
    return [blocker for check in _CHECKS for blocker in check(application, evaluation)]


@register_approval_blocker
def criteria_not_met(application: Application, evaluation: Evaluation):
    lang = (get_language() or "en")[:2]
    for c in evaluation.criteria:
        if c.result is Result.MET:
            continue
        if c.result is Result.NOT_MET:
            text = _("%(criterion)s is not met: %(why)s")
        else:
            text = _("%(criterion)s is not yet known: %(why)s")
        yield ApprovalBlocker(
            "criterion",
            text % {"criterion": c.title.get(lang), "why": c.explanation.get(lang)},
            criterion=c.id,
        )


@register_approval_blocker
def passport_not_verified(application: Application, evaluation: Evaluation):
    evidence = application.evidence.filter(cycle=application.cycle, kind=EvidenceKind.PASSPORT)
    if not evidence.filter(status=EvidenceStatus.VERIFIED).exists():
        yield ApprovalBlocker(
            "identity",
            _(
                "No passport of this card year is verified: the identity on the card rests on it. "
                "Verify the passport, or ask the applicant for a valid one."
            ),
        )


@register_approval_blocker
def passport_expired(application: Application, evaluation: Evaluation):
    expiry = passport_expiry(application)
    if expiry is not None and expiry <= local_today(application.member_state):
        yield ApprovalBlocker(
            "passport_expired",
            _(
                "The passport has expired: a card is never valid beyond the passport. Ask the "
                "applicant for the new passport."
            ),
        )


@register_approval_blocker
def possible_duplicate(application: Application, evaluation: Evaluation):
    """An unresolved possible duplicate (:mod:`relocard.cases.duplicates`) holds the case; no
    exception waives it: a caseworker of the case's member state resolves the hit first."""
    if is_held(application):
        yield ApprovalBlocker(
            "duplicate",
            _(
                "A possible duplicate holds this case: resolve it (see below) before the "
                "case can be approved."
            ),
        )


@register_approval_blocker
def documents_unchecked(application: Application, evaluation: Evaluation):
    pending = application.evidence.filter(
        cycle=application.cycle, status=EvidenceStatus.PENDING
    ).count()
    if pending:
        yield ApprovalBlocker(
            "unchecked",
            _("%(n)s document(s) of this card year are not checked yet: verify or reject them.")
            % {"n": pending},
        )


def _describe(blockers: Iterable[ApprovalBlocker]) -> str:
    return " ".join(b.message for b in blockers)


def require_approvable(application: Application) -> Evaluation:
    """The pre-check of a locked case that one caseworker may approve; else InvalidState."""
    evaluation = case_precheck(application=application)
    blockers = approval_blockers(application, evaluation)
    if blockers:
        raise InvalidState(
            _("This case cannot be approved as it stands. %(reasons)s")
            % {"reasons": _describe(blockers)}
            + (
                " "
                + _(
                    "To approve it anyway, propose an approval with an exception for each "
                    "criterion; a supervisor must confirm it."
                )
                if all(b.waivable for b in blockers)
                else ""
            )
        )
    return evaluation


# --- an approval with exceptions: four eyes ---------------------------------------------------


def approval_propose(
    *,
    actor: User,
    application: Application,
    exceptions: dict[str, str],
    summary: str = "",
    version: int,
) -> Decision:
    """A caseworker proposes to approve against the pre-check: a reason for every criterion
    not met on verified evidence; every other blocker must be gone. A supervisor confirms."""
    _require_reviewer(actor, application)
    exceptions = {k: v.strip() for k, v in exceptions.items() if v and v.strip()}
    with transaction.atomic():
        app = _lock(application, version)
        evaluation = case_precheck(application=app)
        blockers = approval_blockers(app, evaluation)
        hard = [b for b in blockers if not b.waivable]
        if hard:
            raise InvalidState(
                _("This case cannot be approved, not even with an exception. %(reasons)s")
                % {"reasons": _describe(hard)}
            )
        blocked = {b.criterion: b for b in blockers}
        if not blocked:
            raise InvalidState(
                _("Every criterion is met on verified evidence: approve the case directly.")
            )
        missing = [cid for cid in blocked if cid not in exceptions]
        if missing:
            raise InvalidInput(
                _("Give the reason for the exception for every criterion not met: %(list)s")
                % {"list": _describe(blocked[cid] for cid in missing)},
                field=f"exception_{missing[0]}",
            )
        extra = sorted(set(exceptions) - set(blocked))
        if extra:
            raise InvalidInput(
                _("An exception is only for a criterion that is not met (%(list)s is met).")
                % {"list": ", ".join(extra)},
                field=f"exception_{extra[0]}",
            )
        _move(app, "propose_approval", actor=actor, reason=summary.strip())
        decision = decision_propose(
            app,
            actor=actor,
            outcome=DecisionOutcome.APPROVE,
            audit_action="decision.approval_proposed",
            audit_data={"exceptions": sorted(exceptions)},
            exceptions=exceptions,
            summary=summary.strip(),
            evaluation=evaluation.to_dict(),
        )
    return decision


def _pending(app: Application) -> Decision:
    return pending_decision(
        app,
        DecisionOutcome.APPROVE,
        missing=_("There is no approval waiting for confirmation on this case."),
    )


def approval_confirm(*, actor: User, application: Application, version: int) -> Decision:
    """A supervisor, who did not propose it, confirms the approval with its exceptions; the
    card is issued. The gate is checked again: anything new that blocks fails it."""
    with transaction.atomic():
        app = _lock(application, version)
        decision = _pending(app)
        if not access.can_confirm_approval(actor, app, decision):
            raise NotAllowed(
                _(
                    "A supervisor of this member state, other than the caseworker who proposed "
                    "it, must confirm an approval with an exception."
                )
            )
        evaluation = case_precheck(application=app)
        blockers = approval_blockers(app, evaluation)
        uncovered = [b for b in blockers if b.criterion not in decision.exceptions]
        if uncovered:
            raise InvalidState(
                _(
                    "The case changed since the approval was proposed. %(reasons)s Return it to review."
                )
                % {"reasons": _describe(uncovered)}
            )
        now = timezone.now()
        decision.status = DecisionStatus.CONFIRMED
        decision.confirmed_by = actor
        decision.confirmed_at = now
        decision.evaluation = evaluation.to_dict()
        decision.identity = identity_snapshot(app)
        decision.save(
            update_fields=["status", "confirmed_by", "confirmed_at", "evaluation", "identity"]
        )
        app.decided_at = now
        _move(app, "confirm_approval", actor=actor)
        audit_record(
            actor=actor,
            action="decision.approval_confirmed",
            obj=decision,
            member_state=app.member_state_id,
            data={
                "case": app.reference,
                "exceptions": sorted(decision.exceptions),
                "policy": decision.evaluation.get("policy", {}),
            },
        )
        issue_on_approval(actor=actor, application=app, decision=decision)
    return decision


def approval_return(
    *, actor: User, application: Application, reason: str, version: int
) -> Decision:
    """The supervisor sends a proposed approval back to review, saying why."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the approval goes back to review."), field="reason")
    with transaction.atomic():
        app = _lock(application, version)
        decision = _pending(app)
        if not access.can_confirm_approval(actor, app, decision):
            raise NotAllowed(
                _(
                    "Only a supervisor of this member state, other than the proposer, can return an approval."
                )
            )
        decision.status = DecisionStatus.RETURNED
        decision.return_reason = reason
        decision.save(update_fields=["status", "return_reason"])
        _move(app, "return_approval", actor=actor, reason=reason)
        audit_record(
            actor=actor,
            action="decision.approval_returned",
            obj=decision,
            member_state=app.member_state_id,
            data={"case": app.reference},
        )
    return decision


# --- reads ---------------------------------------------------------------------------------


def pending_approval(application: Application) -> Decision | None:
    return (
        application.decisions.filter(
            cycle=application.cycle,
            status=DecisionStatus.PROPOSED,
            outcome=DecisionOutcome.APPROVE,
        )
        .select_related("proposed_by")
        .first()
    )


def decision_explanation(decision: Decision) -> dict:
    """The evaluation recorded with a decision, as the applicant reads it.

    An approval never shows a criterion as "not met" or "not yet known" beside "approved": a
    criterion the approval rests on an exception for says so, with the recorded reason.
    """
    evaluation = dict(decision.evaluation)
    if decision.outcome != DecisionOutcome.APPROVE or not evaluation.get("criteria"):
        return evaluation
    criteria = []
    waived = False
    for c in evaluation["criteria"]:
        if c.get("result") == Result.MET.value:
            criteria.append(c)
            continue
        waived = True
        reason = decision.exceptions.get(c.get("id"), "")
        if reason:
            text = msg(gettext_noop("Accepted by a recorded exception: {reason}"), reason=reason)
        else:
            text = Msg(gettext_noop("Accepted by a recorded exception."))
        criteria.append(
            {**c, "result": "exception", "explanation": rules.Explanation(text).to_dict()}
        )
    evaluation["criteria"] = criteria
    if waived:
        evaluation["outcome"] = "approved_with_exception"
    return evaluation
