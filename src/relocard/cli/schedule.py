"""Recurring background work. Each recurring task re-enqueues itself with ``run_after``; the
worker (``relocard worker``) makes sure each has a pending run when it starts.

Part of the command line (it starts the domains' tasks), imported by ``relocard worker`` once
Django is set up."""

from __future__ import annotations

from django.conf import settings
from django_tasks_db.models import DBTaskResult

from relocard.audit.tasks import seal_audit_log
from relocard.cards.tasks import nightly_compliance, schedule_nightly
from relocard.cases.tasks import refresh_statistics
from relocard.consular.tasks import schedule_tick, tick
from relocard.humanitarian.tasks import nightly_erase, schedule_nightly_erase


def ensure_recurring_tasks() -> list[str]:
    """Enqueue each recurring task that has no pending run (with the database backend only):
    the audit sealer at once, the nightly compliance run at the next 02:00 Brussels time, the
    humanitarian route's erasure of expired personal data at 02:30, the consular channel's
    round (draws, lapses, reminders) every five minutes, the programme statistics' snapshots
    at once and then every five minutes."""
    if not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db"):
        return []
    started = []
    if not DBTaskResult.objects.filter(
        task_path=seal_audit_log.module_path, status="READY"
    ).exists():
        seal_audit_log.enqueue()
        started.append(seal_audit_log.module_path)
    if not DBTaskResult.objects.filter(
        task_path=refresh_statistics.module_path, status="READY"
    ).exists():
        refresh_statistics.enqueue()
        started.append(refresh_statistics.module_path)
    if schedule_nightly() is not None:
        started.append(nightly_compliance.module_path)
    if schedule_nightly_erase() is not None:
        started.append(nightly_erase.module_path)
    if schedule_tick() is not None:
        started.append(tick.module_path)
    return started
