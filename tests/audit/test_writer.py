"""The one writer of the audit log: the ORM's insert and the same insert as a SQL statement.

Both are built from the model's own columns and the values (with the content hash) of
``audit_event_values``; a hot path that embeds the statement in its own (the card checks on
PostgreSQL) stores exactly what the ORM would.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction
from django.utils import timezone

from relocard.audit.chain import event_hash
from relocard.audit.models import AuditEvent
from relocard.audit.selectors import audit_chain_verify
from relocard.audit.services import (
    EVENT_FIELDS,
    AuditOutsideTransaction,
    audit_event_insert,
    audit_event_statement,
    audit_event_values,
)

pytestmark = pytest.mark.django_db


def _values(n: int) -> dict:
    return audit_event_values(
        actor=None,
        action="test.writer",
        object_type="test",
        object_id=n,
        member_state="FR",
        data={"n": n, "when": date(2026, 1, 2), "name": "Ж"},
        at=timezone.now(),
    )


def test_the_columns_are_the_models():
    written = {f.attname for f in EVENT_FIELDS}
    model = {f.attname for f in AuditEvent._meta.concrete_fields}
    # Every column but the id (the sequence's) and the block (the sealer's).
    assert model - written == {"id", "block_id"}
    assert set(_values(1)) == written
    sql, params = audit_event_statement(_values(1))
    quote = connection.ops.quote_name
    assert sql.startswith(f"INSERT INTO {quote(AuditEvent._meta.db_table)} (")
    for field in EVENT_FIELDS:
        assert quote(field.column) in sql
    assert len(params) == len(EVENT_FIELDS) == sql.count("%s")


def _stored(pk) -> dict:
    row = AuditEvent.objects.filter(pk=pk).values().get()
    row.pop("id")
    return row


def test_the_statement_stores_what_the_orm_stores():
    values = _values(7)
    with transaction.atomic():
        by_orm = _stored(audit_event_insert(values).pk)
        sql, params = audit_event_statement(values)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        by_statement = _stored(AuditEvent.objects.latest("id").pk)
    assert by_statement == by_orm
    assert by_orm["hash"] == values["hash"]
    assert by_orm["hash"] == event_hash(
        **{k: by_orm[k] for k in ("at", "actor_id", "actor_label", "action")},
        **{k: by_orm[k] for k in ("object_type", "object_id", "member_state", "data")},
    )
    report = audit_chain_verify()
    assert report.ok and report.unsealed == 2


@pytest.mark.django_db(transaction=True)
def test_an_event_is_written_inside_its_change_only():
    with pytest.raises(AuditOutsideTransaction, match=r"test\.writer"):
        audit_event_insert(_values(1))
    assert not AuditEvent.objects.exists()
