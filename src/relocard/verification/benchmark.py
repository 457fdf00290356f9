"""The baseline of the card checks' benchmark: one durable, audited write, nothing else.

``bench/verify_http.py`` compares the checks' requests per second with an endpoint of the same
server that authenticates the API key, appends one audit event through the audit writer and
commits (:func:`relocard.verification.api.bench_audited_write`), mounted only when the
benchmark's server sets ``RELOCARD_BENCH_BASELINE``. It writes the event as the checks write
theirs: on PostgreSQL one statement in autocommit (atomic and durable on its own), elsewhere
through the ORM in a transaction. The event is a check's event without the check.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from relocard.audit.services import audit_event_insert, audit_event_statement, audit_event_values
from relocard.verification.models import ApiKey

ACTION = "bench.audited_write"


def audited_write(*, api_key: ApiKey) -> None:
    """Append one audit event for ``api_key``'s organisation and commit it."""
    organisation = api_key.organisation
    values = audit_event_values(
        actor=None,
        action=ACTION,
        obj=api_key,
        member_state=organisation.country_id,
        data={"organisation": organisation.pk, "api_key": api_key.pk, "purpose": "rent"},
        at=timezone.now(),
    )
    if connection.vendor == "postgresql":
        sql, params = audit_event_statement(values)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    with transaction.atomic():
        audit_event_insert(values)
