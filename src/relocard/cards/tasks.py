"""Background work on cards: the nightly compliance run, which schedules its next night itself.

The nightly task enqueues one compliance task per member state with active cards (several
workers share them; each is done once per date, see :mod:`relocard.cards.compliance.run`),
then applies the retention schedule (:mod:`relocard.cards.retention`).

The django-tasks-db worker (``relocard worker``) runs tasks whose ``run_after`` has passed, so
a task that enqueues its successor for the next 02:00 (Brussels time) is a nightly job without
cron. ``relocard compliance run --schedule`` starts the chain; scheduling is idempotent (a run
already waiting is not doubled), and the next night is scheduled even when a run fails, so that
one bad night does not stop the following ones.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, time, timedelta

from django.tasks import task
from django.utils import timezone

from relocard.cards.compliance import PROGRAMME_TZ, compliance_run, run_date
from relocard.cards.models import Card, CardStatus
from relocard.cards.retention import retention_run
from relocard.common.errors import InvalidState

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


def member_states_to_judge() -> list[str]:
    """The member states with active cards: one compliance task each."""
    return sorted(
        set(
            Card.objects.filter(status=CardStatus.ACTIVE)
            .order_by()
            .values_list("member_state_id", flat=True)
            .distinct()
        )
    )


@task()
def nightly_compliance() -> dict[str, int | str | list[str]]:
    """Enqueue today's compliance run of each member state, apply the retention schedule,
    then schedule tomorrow's night (even if this one fails)."""
    try:
        day = run_date()
        states = member_states_to_judge()
        for member_state in states:
            member_state_compliance.enqueue(member_state, day.isoformat())
        # Then the retention schedule (relocard.cards.retention; docs/data-protection.md).
        erased = retention_run()
    finally:
        # An immediate backend (the tests') would recurse: nothing to schedule with it.
        with contextlib.suppress(SchedulingError):
            schedule_nightly()
    return {
        "on": day.isoformat(),
        "member_states": states,
        **{f"retention_{record}": count for record, count in erased.items()},
    }


@task()
def member_state_compliance(member_state: str, on: str) -> dict[str, int | str | bool]:
    """One member state's compliance run for the date ``on`` (ISO); done once per date.

    A second task for the same member state and date (enqueued twice, or taken while another
    worker runs it) writes nothing: it reports the run already done, or that one is running.
    """
    day = date.fromisoformat(on)
    try:
        run = compliance_run(today=day, member_state=member_state)
    except InvalidState:  # another worker is running this member state right now
        return {"member_state": member_state, "on": on, "skipped": True}
    return {
        "member_state": member_state,
        "on": on,
        "run": run.pk,
        "cards": run.cards,
        "changed": run.changed,
        "worsened": run.worsened,
        "expired": run.expired,
        "reminders": run.reminders,
    }
