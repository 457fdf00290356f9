"""Background work of the audit log: sealing new events into the hash chain of blocks."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from relocard.audit.services import audit_seal

#: How often the worker seals: events are tamper-evident within this time of being written.
SEAL_EVERY = timedelta(minutes=2)


@task()
def seal_audit_log(reschedule: bool = True) -> int:
    """Seal what is unsealed, then (by default) run again after :data:`SEAL_EVERY`."""
    sealed = audit_seal()
    if reschedule:
        seal_audit_log.using(run_after=timezone.now() + SEAL_EVERY).enqueue(True)
    return sealed
