"""The humanitarian route's nightly work: erasing the personal data of closed requests whose
retention period ended (:func:`relocard.humanitarian.services.requests_erase_expired`).

Like the card route's nightly run, the task schedules its own next night (02:30 Brussels time,
after the compliance run) with ``run_after``, so the django-tasks-db worker (``relocard
worker``) runs it without cron; ``relocard worker`` makes sure one run is waiting when it
starts (:mod:`relocard.cli.schedule`).
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from relocard.cards.tasks import SchedulingError, next_run_at
from relocard.humanitarian.services import requests_erase_expired

#: Half an hour after the card route's 02:00 run, so that the two do not compete.
AFTER_NIGHTLY = timedelta(minutes=30)


def _waiting() -> bool:
    if not isinstance(nightly_erase.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        task_path=nightly_erase.module_path, status=TaskResultStatus.READY
    ).exists()


def schedule_nightly_erase(*, now: datetime | None = None) -> datetime | None:
    """Enqueue the erasure for the next 02:30 Brussels time; ``None`` if one is waiting.

    Raises :class:`SchedulingError` when the task backend cannot run a task later.
    """
    if not nightly_erase.get_backend().supports_defer:
        raise SchedulingError("the task backend cannot run tasks later")
    if _waiting():
        return None
    at = next_run_at(now or timezone.now()) + AFTER_NIGHTLY
    nightly_erase.using(run_after=at).enqueue()
    return at


@task()
def nightly_erase() -> dict[str, int]:
    """Erase what retention says must go, then schedule the next night (even on failure)."""
    try:
        erased = requests_erase_expired()
    finally:
        with contextlib.suppress(SchedulingError):
            schedule_nightly_erase()
    return {"requests_erased": erased}
