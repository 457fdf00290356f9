"""Background work of the cases: the programme statistics' snapshots
(:mod:`relocard.cases.statistics`)."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from relocard.cases.statistics import REFRESH_EVERY, statistics_refresh


@task()
def refresh_statistics(reschedule: bool = True) -> int:
    """Recompute every member state's statistics, then (by default) run again after
    :data:`~relocard.cases.statistics.REFRESH_EVERY`. Returns the member states refreshed."""
    try:
        _at, stored = statistics_refresh()
    finally:
        if reschedule:
            refresh_statistics.using(run_after=timezone.now() + REFRESH_EVERY).enqueue(True)
    return len(stored)
