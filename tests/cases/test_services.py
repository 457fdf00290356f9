"""The case services: transitions, history, deadlines, idempotency, four eyes, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from tests.conftest import png_bytes, upload

from relocard.audit.models import AuditEvent
from relocard.cards.models import Card
from relocard.cases import services as cs
from relocard.cases.models import Application, CaseTransition, Decision, EvidenceItem
from relocard.common.errors import (
    EvidenceFileError,
    InvalidInput,
    InvalidState,
    NotAllowed,
    StaleObject,
)
from relocard.core.calendar import card_validity_end

pytestmark = pytest.mark.django_db


def test_every_transition_writes_history_and_audit(make_case):
    app = make_case("approved")
    states = list(app.transitions.values_list("from_state", "to_state"))
    assert states == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "approved"),
    ]
    actions = set(
        AuditEvent.objects.filter(
            object_type="cases.application", object_id=str(app.pk)
        ).values_list("action", flat=True)
    )
    assert {"case.started", "case.submit", "case.start_review", "case.approve"} <= actions


def test_approval_issues_one_card_valid_one_year(make_case):
    app = make_case("approved")
    card = Card.objects.get(application=app)
    # One year, both ends included: from 28 November to 27 November of the next year.
    assert card.valid_until == card_validity_end(card.valid_from, 12)
    assert card.status == "active"
    assert card.number.startswith("FR-")
    assert app.decided_at is not None
    assert mail.outbox and mail.outbox[-1].to == [app.applicant.user.email]


def test_submit_is_idempotent_for_the_same_token(make_case):
    app = make_case("draft")
    user = app.applicant.user
    cs.application_submit(actor=user, application=app, token="tok-1")
    cs.application_submit(actor=user, application=app, token="tok-1")
    app.refresh_from_db()
    assert app.state == "submitted"
    assert app.transitions.filter(to_state="submitted").count() == 1


def test_second_submit_with_another_token_is_refused(make_case):
    app = make_case("submitted")
    with pytest.raises(InvalidState):
        cs.application_submit(actor=app.applicant.user, application=app, token="another")


def test_submit_needs_a_passport(make_case):
    app = make_case("draft", evidence=[("diploma", {"diploma-isced_level": "7"})])
    with pytest.raises(InvalidInput, match="passport"):
        cs.application_submit(actor=app.applicant.user, application=app, token="t")
    app.refresh_from_db()
    assert app.state == "draft"


def test_decision_deadline_is_paused_during_a_correction(make_case, staff, time_machine=None):
    app = make_case("correction_requested")
    due_before = app.decision_due
    # Pretend the correction request is ten days old.
    Application.objects.filter(pk=app.pk).update(
        clock_paused_at=timezone.now() - timedelta(days=10)
    )
    app.refresh_from_db()
    cs.evidence_add(
        actor=app.applicant.user,
        application=app,
        kind="lease_or_deed",
        upload=upload(),
        facts_data={"lease_or_deed-tenure": "tenant", "lease_or_deed-country": "FR"},
    )
    cs.application_resubmit(
        actor=app.applicant.user, application=app, answer="Lease added.", token="r1"
    )
    app.refresh_from_db()
    assert app.state == "in_review"
    assert app.decision_due == due_before + timedelta(days=10)
    assert app.clock_paused_at is None
    assert app.corrections.get().answer == "Lease added."


def test_refusal_needs_a_reason_and_a_second_person(make_case, staff):
    app = make_case("in_review")
    with pytest.raises(InvalidInput):
        cs.refusal_propose(
            actor=staff["caseworker"],
            application=app,
            reasons={"means": " "},
            summary="",
            version=app.version,
        )
    cs.refusal_propose(
        actor=staff["supervisor"],
        application=app,
        reasons={"means": "Too little."},
        summary="",
        version=app.version,
    )
    app.refresh_from_db()
    assert app.state == "refusal_proposed"
    # The proposer cannot confirm their own refusal, even as a supervisor.
    with pytest.raises(NotAllowed):
        cs.refusal_confirm(actor=staff["supervisor"], application=app, version=app.version)
    # A caseworker cannot confirm at all.
    with pytest.raises(NotAllowed):
        cs.refusal_confirm(actor=staff["caseworker"], application=app, version=app.version)
    decision = cs.refusal_confirm(actor=staff["supervisor2"], application=app, version=app.version)
    app.refresh_from_db()
    assert app.state == "refused"
    assert decision.appeal_deadline == cs.local_today(app.member_state) + timedelta(days=30)
    assert decision.confirmed_by == staff["supervisor2"]


def test_returned_refusal_goes_back_to_review(make_case, staff):
    app = make_case("refusal_proposed")
    cs.refusal_return(
        actor=staff["supervisor"],
        application=app,
        reason="Check the bank statement again.",
        version=app.version,
    )
    app.refresh_from_db()
    assert app.state == "in_review"
    assert Decision.objects.get(application=app).status == "returned"
    # A new proposal is possible after a return.
    cs.refusal_propose(
        actor=staff["caseworker"],
        application=app,
        reasons={"means": "Still too little."},
        summary="",
        version=app.version,
    )


def test_stale_form_version_changes_nothing(make_case, staff):
    app = make_case("in_review")
    old_version = app.version
    cs.correction_request(
        actor=staff["caseworker"], application=app, message="x", kinds=[], version=old_version
    )
    with pytest.raises(StaleObject):
        cs.application_approve(actor=staff["supervisor"], application=app, version=old_version)
    assert not Card.objects.filter(application=app).exists()
    assert not Decision.objects.filter(application=app).exists()


def test_staff_of_another_member_state_cannot_act(make_case, staff):
    app = make_case("in_review")
    with pytest.raises(NotAllowed):
        cs.application_approve(actor=staff["caseworker_de"], application=app, version=app.version)
    for role in ("auditor", "consular_officer", "programme_admin"):
        with pytest.raises(NotAllowed):
            cs.application_approve(actor=staff[role], application=app, version=app.version)


def test_one_open_case_per_member_state(make_case):
    app = make_case("submitted")
    with pytest.raises(InvalidInput):
        cs.application_start(
            actor=app.applicant.user, applicant=app.applicant, member_state_code="FR"
        )
    other = cs.application_start(
        actor=app.applicant.user, applicant=app.applicant, member_state_code="DE"
    )
    assert other.state == "draft"


def test_programme_must_run_in_the_member_state(make_applicant):
    applicant = make_applicant()
    with pytest.raises(InvalidInput, match="does not run"):
        cs.application_start(actor=applicant.user, applicant=applicant, member_state_code="AT")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.pdf", "empty"),
        (b"MZ\x90\x00 this is an exe", "diploma.pdf", "not a readable PDF, PNG or JPEG"),
        (b"%PDF-1.7\n garbage without structure", "broken.pdf", "not a readable"),
        (png_bytes()[:30], "cut.png", "not a readable"),
        (b"<html><script>alert(1)</script></html>", "page.png", "not a readable"),
    ],
)
def test_bad_files_are_refused_with_a_reason_and_nothing_is_stored(
    make_case, content, name, message
):
    app = make_case("draft", evidence=[])
    before = sorted(p.name for p in _evidence_dir().rglob("*") if p.is_file())
    with pytest.raises(EvidenceFileError, match=message):
        cs.evidence_add(
            actor=app.applicant.user,
            application=app,
            kind="diploma",
            upload=upload(content, name),
            facts_data={"diploma-isced_level": "7"},
        )
    assert not EvidenceItem.objects.filter(application=app).exists()
    assert sorted(p.name for p in _evidence_dir().rglob("*") if p.is_file()) == before


def test_oversized_file_is_refused(make_case, settings):
    settings.RELOCARD_EVIDENCE_MAX_BYTES = 1000
    app = make_case("draft", evidence=[])
    with pytest.raises(EvidenceFileError, match="at most"):
        cs.evidence_add(
            actor=app.applicant.user,
            application=app,
            kind="diploma",
            upload=upload(b"%PDF-" + b"0" * 2000),
            facts_data={"diploma-isced_level": "7"},
        )


def test_type_comes_from_content_not_name(make_case):
    app = make_case("draft", evidence=[])
    item = cs.evidence_add(
        actor=app.applicant.user,
        application=app,
        kind="passport",
        upload=upload(png_bytes(), "passport.pdf", "application/pdf"),
        facts_data={"passport-nationality": "RU"},
    )
    assert item.content_type == "image/png"
    assert item.file.name.endswith(".png")
    assert "passport" not in item.file.name  # a random name: the original may contain a name


def test_failed_audit_leaves_no_file_and_no_row(make_case, monkeypatch):
    app = make_case("draft", evidence=[])
    before = {p.name for p in _evidence_dir().rglob("*") if p.is_file()}

    def boom(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(cs, "audit_record", boom)
    with pytest.raises(RuntimeError):
        cs.evidence_add(
            actor=app.applicant.user,
            application=app,
            kind="diploma",
            upload=upload(),
            facts_data={"diploma-isced_level": "7"},
        )
    assert not EvidenceItem.objects.filter(application=app).exists()
    assert {p.name for p in _evidence_dir().rglob("*") if p.is_file()} == before


def test_bad_declared_facts_are_refused(make_case):
    app = make_case("draft", evidence=[])
    with pytest.raises(InvalidInput, match="Level"):
        cs.evidence_add(
            actor=app.applicant.user,
            application=app,
            kind="language_certificate",
            upload=upload(),
            facts_data={"language_certificate-language": "fr", "language_certificate-cefr": "D7"},
        )


def test_evidence_cannot_be_added_after_submission(make_case):
    app = make_case("submitted")
    with pytest.raises(InvalidState):
        cs.evidence_add(
            actor=app.applicant.user,
            application=app,
            kind="diploma",
            upload=upload(),
            facts_data={"diploma-isced_level": "7"},
        )


def test_rejecting_evidence_needs_a_note(make_case, staff):
    app = make_case("in_review", verify=False)
    item = app.evidence.first()
    with pytest.raises(InvalidInput):
        cs.evidence_review(actor=staff["caseworker"], evidence=item, status="rejected", note="")
    cs.evidence_review(
        actor=staff["caseworker"], evidence=item, status="rejected", note="Unreadable scan."
    )
    item.refresh_from_db()
    assert item.status == "rejected" and item.review_note == "Unreadable scan."


def test_withdrawal_is_final(make_case):
    app = make_case("withdrawn")
    assert app.state == "withdrawn"
    with pytest.raises(InvalidState):
        cs.application_withdraw(actor=app.applicant.user, application=app)


def test_embassy_case_invites_the_applicant_without_creating_an_account(staff):
    from tests.conftest import PROFILE

    from relocard.cases.walkins import embassy_case_open

    data = {**PROFILE, "passport_number": "751112223"}
    app = embassy_case_open(
        actor=staff["consular_officer"], email="walkin@example.test", profile=data
    )
    assert app.channel == "embassy" and app.member_state_id == "FR"
    assert app.created_by == staff["consular_officer"]
    assert app.applicant.user is None
    assert any("/apply/walk-in/" in m.body for m in mail.outbox)


def test_safe_mode_mail_says_nothing_about_the_case(make_case, staff):
    app = make_case("in_review")
    applicant = app.applicant
    applicant.safe_mode = True
    applicant.save(update_fields=["safe_mode"])
    mail.outbox.clear()
    cs.correction_request(
        actor=staff["caseworker"],
        application=app,
        message="Add a lease.",
        kinds=[],
        version=app.version,
    )
    (message,) = mail.outbox
    assert message.subject == "You have a new message in your account"
    assert app.reference not in message.body and "lease" not in message.body.lower()


def _evidence_dir():
    from pathlib import Path

    from django.core.files.storage import storages

    path = Path(storages["evidence"].location)
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_transitions_table_matches_history(make_case):
    app = make_case("refused")
    assert list(
        CaseTransition.objects.filter(application=app).values_list("to_state", flat=True)
    ) == [
        "draft",
        "submitted",
        "in_review",
        "refusal_proposed",
        "refused",
    ]
