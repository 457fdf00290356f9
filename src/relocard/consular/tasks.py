"""The consular channel's recurring work: every few minutes the worker lapses unclaimed
offers, commits and performs draws, and sends the day-before reminders
(:func:`relocard.consular.services.consular_tick`).

Like the nightly runs, the task schedules its own next run with ``run_after``, so the
django-tasks-db worker (``relocard worker``) runs it without cron; ``relocard worker`` makes
sure one run is waiting when it starts (:mod:`relocard.cli.schedule`).
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from relocard.cards.tasks import SchedulingError
from relocard.consular.services import consular_tick

#: How often the worker looks for draws to commit or perform and reminders to send.
TICK = timedelta(minutes=5)


def _waiting() -> bool:
    if not isinstance(tick.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        task_path=tick.module_path, status=TaskResultStatus.READY
    ).exists()


def schedule_tick(*, now: datetime | None = None) -> datetime | None:
    """Enqueue the next round in :data:`TICK`; ``None`` if one is waiting.

    Raises :class:`SchedulingError` when the task backend cannot run a task later."""
    if not tick.get_backend().supports_defer:
        raise SchedulingError("the task backend cannot run tasks later")
    if _waiting():
        return None
    at = (now or timezone.now()) + TICK
    tick.using(run_after=at).enqueue()
    return at


@task()
def tick() -> dict[str, int]:
    """One round (see the module), then schedule the next (even on failure)."""
    try:
        return consular_tick()
    finally:
        with contextlib.suppress(SchedulingError):
            schedule_tick()
