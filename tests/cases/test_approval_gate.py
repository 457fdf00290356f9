"""The approval gate (issue 11, finding 1): no card without every criterion met on verified
evidence, unless a supervisor other than the proposer confirms a recorded exception."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from tests.conftest import NO_LANGUAGE_EVIDENCE

from relocard.audit.models import AuditEvent
from relocard.cases import approval
from relocard.cases import services as cs
from relocard.cases.models import Decision
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed

pytestmark = pytest.mark.django_db

EXCEPTION = {"language": "Works in French daily; the certificate exam is booked."}


def _reported_case(make_case, staff):
    """Nationality never verified, a rejected passport: the pre-check is "not yet decidable"."""
    app = make_case("in_review", verify=False)
    cw = staff["caseworker"]
    for item in app.evidence.all():
        if item.kind == "passport":
            cs.evidence_review(
                actor=cw, evidence=item, status="rejected", note="The photo page is cut off."
            )
        else:
            data = {f"review-{item.pk}-{k}": v for k, v in item.declared.items()}
            cs.evidence_review(actor=cw, evidence=item, status="verified", facts_data=data)
    app.refresh_from_db()
    return app


def _nothing_decided(app, state="in_review"):
    app.refresh_from_db()
    assert app.state == state
    assert not app.cards.exists()
    assert not Decision.objects.filter(application=app, status="confirmed").exists()


def test_one_caseworker_cannot_approve_an_undecidable_case(make_case, staff):
    app = _reported_case(make_case, staff)
    with pytest.raises(InvalidState) as exc:
        cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    assert "Nationality" in exc.value.message and "No passport" in exc.value.message
    _nothing_decided(app)
    assert not AuditEvent.objects.filter(action="decision.approved").exists()


def test_nor_can_a_supervisor_alone(make_case, staff):
    app = _reported_case(make_case, staff)
    with pytest.raises(InvalidState):
        cs.application_approve(actor=staff["supervisor"], application=app, version=app.version)
    _nothing_decided(app)


def test_unchecked_documents_block_approval(make_case, staff):
    app = make_case("in_review")
    item = app.evidence.get(kind="diploma")
    item.status = "pending"
    item.save(update_fields=["status"])
    blockers = approval.approval_blockers(app)
    assert "unchecked" in [b.code for b in blockers]
    with pytest.raises(InvalidState, match="not checked yet"):
        cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    _nothing_decided(app)


def test_a_case_meeting_every_criterion_is_approved_by_one_caseworker(make_case, staff):
    app = make_case("in_review")
    assert approval.approval_blockers(app) == []
    decision = cs.application_approve(
        actor=staff["caseworker"], application=app, version=app.version
    )
    assert decision.exceptions == {} and decision.evaluation["outcome"] == "eligible"
    app.refresh_from_db()
    assert app.state == "approved" and app.cards.count() == 1


def test_a_rejected_passport_cannot_be_waived(make_case, staff):
    app = _reported_case(make_case, staff)
    with pytest.raises(InvalidState, match="not even with an exception"):
        approval.approval_propose(
            actor=staff["caseworker"],
            application=app,
            exceptions={"nationality": "Trust me."},
            version=app.version,
        )
    _nothing_decided(app)
    assert not app.decisions.exists()


def test_approval_with_exception_needs_a_second_person(make_case, staff):
    app = make_case("in_review", evidence=NO_LANGUAGE_EVIDENCE)
    with pytest.raises(InvalidState, match="propose an approval with an exception"):
        cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    proposal = approval.approval_propose(
        actor=staff["supervisor"],
        application=app,
        exceptions=EXCEPTION,
        summary="Exceptional profile.",
        version=app.version,
    )
    app.refresh_from_db()
    assert app.state == "approval_proposed" and proposal.status == "proposed"
    assert not app.cards.exists()
    # Neither the proposer nor a caseworker can confirm.
    for who in ("supervisor", "caseworker", "supervisor_de"):
        with pytest.raises(NotAllowed):
            approval.approval_confirm(actor=staff[who], application=app, version=app.version)
    _nothing_decided(app, "approval_proposed")
    decision = approval.approval_confirm(
        actor=staff["supervisor2"], application=app, version=app.version
    )
    app.refresh_from_db()
    assert app.state == "approved" and app.cards.count() == 1
    assert decision.exceptions == EXCEPTION
    assert decision.proposed_by == staff["supervisor"]
    assert decision.confirmed_by == staff["supervisor2"]
    assert list(app.transitions.values_list("to_state", flat=True))[-2:] == [
        "approval_proposed",
        "approved",
    ]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"decision.approval_proposed", "decision.approval_confirmed", "card.issued"} <= actions


def test_every_blocked_criterion_needs_its_reason(make_case, staff):
    app = make_case("in_review", evidence=NO_LANGUAGE_EVIDENCE)
    with pytest.raises(InvalidInput) as exc:
        approval.approval_propose(
            actor=staff["caseworker"],
            application=app,
            exceptions={"language": "  "},
            version=app.version,
        )
    assert exc.value.field == "exception_language"
    with pytest.raises(InvalidInput, match="only for a criterion that is not met"):
        approval.approval_propose(
            actor=staff["caseworker"],
            application=app,
            exceptions={**EXCEPTION, "means": "Rich enough."},
            version=app.version,
        )
    app.refresh_from_db()
    assert app.state == "in_review" and not app.decisions.exists()


def test_a_case_meeting_every_criterion_needs_no_exception(make_case, staff):
    app = make_case("in_review")
    with pytest.raises(InvalidState, match="approve the case directly"):
        approval.approval_propose(
            actor=staff["caseworker"], application=app, exceptions=EXCEPTION, version=app.version
        )


def test_the_supervisor_can_return_an_approval(make_case, staff):
    app = make_case("approval_proposed", evidence=NO_LANGUAGE_EVIDENCE)
    with pytest.raises(InvalidInput):
        approval.approval_return(
            actor=staff["supervisor"], application=app, reason=" ", version=app.version
        )
    approval.approval_return(
        actor=staff["supervisor"], application=app, reason="Ask for it.", version=app.version
    )
    app.refresh_from_db()
    assert app.state == "in_review" and not app.cards.exists()
    assert app.decisions.get().status == "returned"
    assert AuditEvent.objects.filter(action="decision.approval_returned").exists()
    # The case can be proposed again, or refused.
    approval.approval_propose(
        actor=staff["caseworker"], application=app, exceptions=EXCEPTION, version=app.version
    )


def test_the_database_refuses_an_exception_approved_by_its_proposer(make_case, staff):
    app = make_case("approval_proposed", evidence=NO_LANGUAGE_EVIDENCE)
    decision = app.decisions.get()
    decision.status = "confirmed"
    decision.confirmed_by = decision.proposed_by
    with pytest.raises(IntegrityError), transaction.atomic():
        decision.save()


def test_a_registered_blocker_blocks_approval(make_case, staff, monkeypatch):
    """The gate is pluggable: another app (e.g. security screening) adds a check."""
    checks = list(approval._CHECKS)
    monkeypatch.setattr(approval, "_CHECKS", checks)

    @approval.register_approval_blocker
    def screening(application, evaluation):
        yield approval.ApprovalBlocker("screening", "The security screening is not finished.")

    assert approval.register_approval_blocker(screening) is screening
    assert checks.count(screening) == 1
    app = make_case("in_review")
    with pytest.raises(InvalidState, match="security screening"):
        cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    with pytest.raises(InvalidState, match="not even with an exception"):
        approval.approval_propose(
            actor=staff["caseworker"], application=app, exceptions={}, version=app.version
        )
    _nothing_decided(app)


# --- the pages -----------------------------------------------------------------------------


def test_console_says_why_approval_is_not_available(client, make_case, staff):
    app = _reported_case(make_case, staff)
    client.force_login(staff["caseworker"])
    html = client.get(reverse("console:case", args=[app.reference])).content.decode()
    assert "Approval is not available yet" in html
    assert "No passport of this card year is verified" in html
    assert reverse("console:approve", args=[app.reference]) not in html
    assert "no exception can be made" in html
    # The service fails closed even when the form is posted anyway.
    r = client.post(reverse("console:approve", args=[app.reference]), {"version": app.version})
    assert r.status_code == 400 and "cannot be approved" in r.content.decode()
    _nothing_decided(app)


def test_console_exception_flow(client, make_case, staff):
    app = make_case("in_review", evidence=NO_LANGUAGE_EVIDENCE)
    client.force_login(staff["caseworker"])
    html = client.get(reverse("console:case", args=[app.reference])).content.decode()
    assert "Propose an approval with an exception" in html
    assert 'name="exception_language"' in html
    r = client.post(
        reverse("console:propose_approval", args=[app.reference]), {"version": app.version}
    )
    assert r.status_code == 400 and "Give the reason for the exception" in r.content.decode()
    r = client.post(
        reverse("console:propose_approval", args=[app.reference]),
        {"version": app.version, "exception_language": EXCEPTION["language"]},
    )
    assert r.status_code == 302
    app.refresh_from_db()
    html = client.get(reverse("console:case", args=[app.reference])).content.decode()
    assert "A supervisor other than the proposer must confirm or return this approval." in html
    client.force_login(staff["supervisor"])
    html = client.get(reverse("console:case", args=[app.reference])).content.decode()
    assert EXCEPTION["language"] in html and "Confirm approval" in html
    r = client.post(
        reverse("console:confirm_approval", args=[app.reference]), {"version": app.version}
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.state == "approved"


def test_applicant_never_sees_approved_beside_an_undecided_criterion(client, make_case, staff):
    app = make_case("approval_proposed", evidence=NO_LANGUAGE_EVIDENCE)
    approval.approval_confirm(actor=staff["supervisor"], application=app, version=app.version)
    client.force_login(app.applicant.user)
    html = client.get(reverse("portal:case", args=[app.reference])).content.decode()
    assert "Your application is approved." in html
    assert "Not yet known" not in html and "Not yet decidable" not in html
    assert "Accepted by exception" in html
    assert "Accepted by a recorded exception: Works in French daily" in html
    assert "Approved with a recorded exception" in html
