"""Recurring background work: each recurring task re-enqueues itself with ``run_after``; the
worker makes sure every one of them has a pending run when it starts."""

from __future__ import annotations

from django.conf import settings


def _recurring():
    from relocard.audit.tasks import seal_audit_log

    tasks = [seal_audit_log]
    try:  # the nightly compliance run, once its module is there
        from relocard.cards.tasks import nightly_compliance
    except ImportError:  # pragma: no cover
        pass
    else:
        tasks.append(nightly_compliance)
    return tasks


def ensure_recurring_tasks() -> list[str]:
    """Enqueue each recurring task that has no pending run (with the database backend only)."""
    backend = settings.TASKS["default"]["BACKEND"]
    if not backend.startswith("django_tasks_db"):
        return []
    from django_tasks_db.models import DBTaskResult

    started = []
    for task in _recurring():
        pending = DBTaskResult.objects.filter(task_path=task.module_path, status="READY").exists()
        if not pending:
            task.enqueue()
            started.append(task.module_path)
    return started
