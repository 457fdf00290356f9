"""The audit log: one event per write, appended without locks, sealed into a hash chain of
blocks, append-only in the database, and verifiable."""

from __future__ import annotations

import itertools

import pytest
from django.db import DatabaseError, connection, transaction

from relocard.audit.models import AuditBlock, AuditEvent
from relocard.audit.selectors import audit_chain_verify
from relocard.audit.services import AuditOutsideTransaction, audit_record, audit_seal

pytestmark = pytest.mark.django_db


def _record(n=3) -> list[int]:
    ids = []
    for i in range(n):
        with transaction.atomic():
            ids.append(
                audit_record(
                    actor=None, action="test.event", object_type="test", object_id=i, data={"i": i}
                ).pk
            )
    return ids


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_chain_verifies_after_real_work(make_case):
    make_case("refused")
    assert audit_chain_verify().unsealed == AuditEvent.objects.count() > 10
    assert audit_seal() == AuditEvent.objects.count()
    report = audit_chain_verify()
    assert report.ok and report.unsealed == 0 and report.blocks == 1


def test_blocks_chain_onto_each_other(monkeypatch):
    from relocard.audit import services

    monkeypatch.setattr(services, "BLOCK_SIZE", 2)
    _record(5)
    assert audit_seal() == 5
    blocks = list(AuditBlock.objects.order_by("id"))
    assert [b.count for b in blocks] == [2, 2, 1]
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(blocks))
    _record(1)
    report = audit_chain_verify()
    assert report.ok and report.blocks == 3 and report.unsealed == 1


def test_events_carry_no_names(make_case):
    app = make_case("approved")
    for event in AuditEvent.objects.all():
        text = str(event.data) + event.object_id
        assert app.applicant.surname_latin not in text
        assert app.applicant.surname_cyrillic not in text


@pytest.mark.django_db(transaction=True)
def test_audit_outside_a_transaction_is_refused():
    with pytest.raises(AuditOutsideTransaction):
        audit_record(actor=None, action="x", object_type="t", object_id=1)


def test_changed_sealed_content_is_detected():
    ids = _record(4)
    audit_seal()
    _raw("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"i": 99}', ids[1]])
    report = audit_chain_verify()
    assert not report.ok and f"event #{ids[1]} does not match its hash" in report.problem


def test_changed_unsealed_content_is_detected():
    ids = _record(2)
    _raw("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [ids[0]])
    assert not audit_chain_verify().ok


def test_forged_hash_is_caught_by_the_block():
    ids = _record(3)
    audit_seal()
    # Rewrite both the content and its hash: only the block's hash can tell.
    event = AuditEvent.objects.get(id=ids[1])
    from relocard.audit.chain import event_hash

    forged = event_hash(
        at=event.at,
        actor_id=None,
        actor_label="system",
        action="forged",
        object_type="test",
        object_id="1",
        member_state="",
        data={"i": 1},
    )
    _raw("UPDATE audit_auditevent SET action = 'forged', hash = %s WHERE id = %s", [forged, ids[1]])
    report = audit_chain_verify()
    assert not report.ok and "events were changed, removed or added" in report.problem


@pytest.mark.parametrize("which", [0, 1, 2])
def test_deleted_sealed_event_is_detected(which):
    ids = _record(3)
    audit_seal()
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [ids[which]])
    assert not audit_chain_verify().ok


def test_deleted_last_block_is_detected():
    _record(2)
    audit_seal()
    _raw("DELETE FROM audit_auditevent")
    _raw("DELETE FROM audit_auditblock")
    report = audit_chain_verify()
    assert not report.ok and "removed from the end" in report.problem


def test_orm_refuses_to_change_events():
    _record(1)
    event = AuditEvent.objects.get()
    event.action = "tampered"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_database_triggers_refuse_update_and_delete_but_allow_sealing(settings):
    """With the test-only switch off, the database itself refuses changes to the log."""
    _record(2)
    if connection.vendor == "postgresql":
        guard_off = "SET LOCAL relocard.audit_purge = 'off'"
    else:
        settings.RELOCARD_AUDIT_PURGE_ALLOWED = False
        connection.connection.create_function("relocard_audit_locked", 0, lambda: 1)
        guard_off = None
    try:
        for statement in (
            "UPDATE audit_auditevent SET action = 'x'",
            "DELETE FROM audit_auditevent",
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                if guard_off:
                    _raw(guard_off)
                _raw(statement)
        with transaction.atomic():  # the sealer's one allowed update
            if guard_off:
                _raw(guard_off)
            assert audit_seal() == 2
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            if guard_off:
                _raw(guard_off)
            _raw("UPDATE audit_auditevent SET block_id = NULL")
    finally:
        if connection.vendor == "sqlite":
            connection.connection.create_function("relocard_audit_locked", 0, lambda: 0)
    assert AuditEvent.objects.count() == 2 and audit_chain_verify().ok


def test_worker_schedules_the_sealer_once(settings):
    from django.tasks import task_backends
    from django_tasks_db.models import DBTaskResult

    from relocard.cli.schedule import ensure_recurring_tasks

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    task_backends._settings = None  # re-read TASKS
    try:
        first = ensure_recurring_tasks()
        again = ensure_recurring_tasks()
    finally:
        task_backends._settings = None
    assert "relocard.audit.tasks.seal_audit_log" in first and again == []
    assert (
        DBTaskResult.objects.filter(
            task_path="relocard.audit.tasks.seal_audit_log", status="READY"
        ).count()
        == 1
    )


def test_seal_task_seals_and_reschedules():
    from relocard.audit.tasks import seal_audit_log

    _record(2)
    result = seal_audit_log.call(False)
    assert result == 2 and audit_chain_verify().unsealed == 0
