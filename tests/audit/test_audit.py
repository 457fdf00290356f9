"""The audit log: one event per write, hash-chained, append-only, verifiable."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from relocard.audit.models import AuditEvent
from relocard.audit.selectors import audit_chain_verify
from relocard.audit.services import AuditOutsideTransaction, audit_record

pytestmark = pytest.mark.django_db


def _record(n=3):
    for i in range(n):
        with transaction.atomic():
            audit_record(
                actor=None, action="test.event", object_type="test", object_id=i, data={"i": i}
            )


def test_chain_verifies_after_real_work(make_case):
    make_case("refused")
    report = audit_chain_verify()
    assert report.ok and report.events == AuditEvent.objects.count() > 10


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


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_changed_content_is_detected():
    _record(4)
    _raw("UPDATE audit_auditevent SET data = %s WHERE seq = 2", ['{"i": 99}'])
    report = audit_chain_verify()
    assert not report.ok and report.first_bad_seq == 2 and "content" in report.problem


def test_deleted_event_is_detected():
    _record(4)
    _raw("DELETE FROM audit_auditevent WHERE seq = 3")
    report = audit_chain_verify()
    assert not report.ok and report.first_bad_seq == 3


def test_deleted_tail_is_detected():
    _record(4)
    _raw("DELETE FROM audit_auditevent WHERE seq = 4")
    assert not audit_chain_verify().ok


def test_orm_refuses_to_change_events():
    _record(1)
    event = AuditEvent.objects.get()
    event.action = "tampered"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_database_triggers_refuse_update_and_delete(settings):
    """With the test-only switch off, the database itself refuses changes to the log."""
    _record(2)
    if connection.vendor == "postgresql":
        guard_off = "SET LOCAL relocard.audit_purge = 'off'"
    else:
        settings.RELOCARD_AUDIT_PURGE_ALLOWED = False
        connection.connection.create_function("relocard_audit_locked", 0, lambda: 1)
        guard_off = None
    for statement in ("UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            if guard_off:
                _raw(guard_off)
            _raw(statement)
    if connection.vendor == "sqlite":
        connection.connection.create_function("relocard_audit_locked", 0, lambda: 0)
    assert AuditEvent.objects.count() == 2
