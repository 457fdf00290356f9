"""The retention schedule: documents of withdrawn, refused and ended cases and old check records
are deleted by the nightly run, and the audit chain still verifies afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from relocard.audit.models import AuditEvent
from relocard.audit.selectors import audit_chain_verify
from relocard.audit.services import audit_seal
from relocard.cards.retention import retention_run
from relocard.core.privacy import retention_schedule
from relocard.verification.models import CardCheck

pytestmark = pytest.mark.django_db


def _files(app):
    return [(item.file.name, item.file.storage) for item in app.evidence.all()]


def test_documents_of_a_withdrawn_case_are_erased_after_the_period(
    client, make_case, django_capture_on_commit_callbacks
):
    app = make_case("withdrawn")
    files = _files(app)
    assert files and all(storage.exists(name) for name, storage in files)
    days = retention_schedule()["withdrawn_case"]
    withdrawn_at = app.transitions.get(to_state="withdrawn").at

    # The day before the period ends, nothing happens.
    early = retention_run(now=withdrawn_at + timedelta(days=days - 1))
    assert early["withdrawn_case"] == 0
    assert all(storage.exists(name) for name, storage in files)

    audit_seal()
    with django_capture_on_commit_callbacks(execute=True):
        done = retention_run(now=withdrawn_at + timedelta(days=days, minutes=1))
    assert done["withdrawn_case"] == len(files)
    assert not any(storage.exists(name) for name, storage in files)
    for item in app.evidence.all():
        assert not item.file and len(item.sha256) == 64  # the record and its hash stay
    event = AuditEvent.objects.get(action="retention.evidence_erased")
    assert event.object_id == str(app.pk) and event.data == {
        "record": "withdrawn_case",
        "documents": len(files),
    }
    audit_seal()
    report = audit_chain_verify()
    assert report.ok, report

    # Serving an erased document says so instead of failing.
    client.force_login(app.applicant.user)
    item = app.evidence.first()
    response = client.get(reverse("portal:evidence_file", args=[app.reference, item.pk]))
    assert response.status_code == 404
    # A second night finds nothing more to do.
    assert retention_run(now=withdrawn_at + timedelta(days=days + 1))["withdrawn_case"] == 0


def test_a_refused_case_waits_for_its_appeal(make_case):
    from relocard.cases.models import Appeal, AppealStatus

    app = make_case("refused")
    refused_at = app.transitions.filter(to_state="refused").latest("at").at
    later = refused_at + timedelta(days=retention_schedule()["refused_case"] + 1)
    Appeal.objects.create(
        application=app,
        decision=app.decisions.last(),
        grounds="x",
        lodged_by=app.applicant.user,
        lodged_at=refused_at,
        status=AppealStatus.LODGED,
    )
    assert retention_run(now=later)["refused_case"] == 0
    Appeal.objects.filter(application=app).update(status=AppealStatus.DISMISSED)
    assert retention_run(now=later)["refused_case"] == app.evidence.count() > 0


def test_documents_behind_a_card_go_a_year_after_it_ended(make_case):
    app = make_case("approved")
    card = app.cards.get()
    days = retention_schedule()["evidence_after_card"]
    end = timezone.make_aware(
        timezone.datetime.combine(card.valid_until, timezone.datetime.min.time())
    )
    assert retention_run(now=end + timedelta(days=days - 2))["evidence_after_card"] == 0
    card.status = "expired"
    card.save(update_fields=["status"])
    assert retention_run(now=end + timedelta(days=days + 2))["evidence_after_card"] > 0


def test_old_check_records_are_deleted(make_case, api_key_for_checks):
    from relocard.cards import credentials as creds
    from relocard.verification import services as vs

    app = make_case("approved")
    card = app.cards.get()
    organisation, user = api_key_for_checks
    vs.check_by_qr(
        organisation=organisation,
        user=user,
        payload=creds.latest(card, "rc1").payload,
        purpose="bank",
        reason="Viewing",
    )
    check = CardCheck.objects.get()
    days = retention_schedule()["check_record"]
    assert retention_run(now=check.checked_at + timedelta(days=days - 1))["check_record"] == 0
    assert retention_run(now=check.checked_at + timedelta(days=days + 1))["check_record"] == 1
    assert not CardCheck.objects.exists()
    audit_seal()
    assert audit_chain_verify().ok


@pytest.fixture
def api_key_for_checks(make_user):
    from relocard.accounts.models import Role
    from relocard.verification import services as vs

    user = vs.organisation_register(
        email="bank@checks.example",
        password="a-long-test-password",
        name="Bank",
        kind="bank",
        country="FR",
        registration_number="RCS 7",
    )
    org = user.verifier_membership.organisation
    vs.organisation_decide(
        actor=make_user(Role.PROGRAMME_ADMIN), organisation=org, status="approved"
    )
    org.refresh_from_db()
    return org, user


def test_the_nightly_task_runs_the_schedule(make_case):
    from relocard.cards import tasks

    result = tasks.nightly_compliance.call()
    assert {"retention_withdrawn_case", "retention_check_record"} <= set(result)
    assert AuditEvent.objects.filter(action="retention.run").count() == 1
