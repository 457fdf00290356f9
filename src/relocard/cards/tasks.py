"""Background work on cards: the nightly compliance run, which schedules its next night itself.

After the compliance run, the same task applies the retention schedule
(:mod:`relocard.cards.retention`).

The django-tasks-db worker (``relocard worker``) runs tasks whose ``run_after`` has passed, so
a task that enqueues its successor for the next 02:00 (Brussels time) is a nightly job without
cron. ``relocard compliance run --schedule`` starts the chain; scheduling is idempotent (a run
already waiting is not doubled), and the next night is scheduled even when a run fails, so that
one bad night does not stop the following ones.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, time, timedelta

from django.tasks import task
from django.utils import timezone

from relocard.cards.compliance import PROGRAMME_TZ, compliance_run
from relocard.cards.retention import retention_run

#: The nightly run's wall-clock time in Brussels.
NIGHTLY_AT = time(2, 0)


class SchedulingError(RuntimeError):
    """The task backend cannot run a task later (e.g. the immediate backend of the tests)."""


def next_run_at(now: datetime) -> datetime:
    """The first 02:00 in Brussels strictly after ``now`` (an aware datetime), in UTC.

    On the night clocks go forward, 02:00 does not exist: zoneinfo reads it with the winter
    offset, i.e. 03:00 summer time. On the night they go back, the first 02:00 is taken.
    """
    if timezone.is_naive(now):
        raise ValueError("next_run_at needs an aware datetime")
    now_utc = now.astimezone(UTC)
    day = now_utc.astimezone(PROGRAMME_TZ).date()
    for offset in (0, 1, 2):
        candidate = datetime.combine(day + timedelta(days=offset), NIGHTLY_AT, tzinfo=PROGRAMME_TZ)
        candidate_utc = candidate.astimezone(UTC)
        if candidate_utc > now_utc:
            return candidate_utc
    raise AssertionError("unreachable: a 02:00 follows within two days")


def _waiting() -> bool:
    """Whether a nightly run is already enqueued and waiting (django-tasks-db only)."""
    from django_tasks_db.backend import DatabaseBackend

    if not isinstance(nightly_compliance.get_backend(), DatabaseBackend):
        return False
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=nightly_compliance.module_path, status=TaskResultStatus.READY
    ).exists()


def check_scheduling() -> None:
    """Raise :class:`SchedulingError` unless the task backend can run a task later."""
    if not nightly_compliance.get_backend().supports_defer:
        raise SchedulingError(
            "the task backend cannot run tasks later; use django-tasks-db "
            "(RELOCARD_TASKS_BACKEND=django_tasks_db.DatabaseBackend) and run `relocard worker`"
        )


def schedule_nightly(*, now: datetime | None = None) -> datetime | None:
    """Enqueue the nightly run for the next 02:00; ``None`` if one is already waiting.

    Raises :class:`SchedulingError` when the task backend cannot defer tasks.
    """
    check_scheduling()
    if _waiting():
        return None
    at = next_run_at(now or timezone.now())
    nightly_compliance.using(run_after=at).enqueue()
    return at


@task()
def nightly_compliance() -> dict[str, int | str]:
    """Run the compliance run for today, then schedule tomorrow's (even if this one fails)."""
    try:
        run = compliance_run()
        # Then the retention schedule (relocard.cards.retention; docs/data-protection.md).
        erased = retention_run()
    finally:
        # An immediate backend (the tests') would recurse: nothing to schedule with it.
        with contextlib.suppress(SchedulingError):
            schedule_nightly()
    return {
        "run": run.pk,
        "cards": run.cards,
        "changed": run.changed,
        "worsened": run.worsened,
        "expired": run.expired,
        "reminders": run.reminders,
        **{f"retention_{record}": count for record, count in erased.items()},
    }
