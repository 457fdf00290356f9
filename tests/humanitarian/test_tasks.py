"""The nightly erasure of expired personal data runs without cron: the worker schedules it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.tasks import task_backends
from django_tasks_db.models import DBTaskResult

from relocard.cli.schedule import ensure_recurring_tasks
from relocard.humanitarian import services as hs
from relocard.humanitarian.models import SealedGrounds
from relocard.humanitarian.tasks import nightly_erase, schedule_nightly_erase

PATH = "relocard.humanitarian.tasks.nightly_erase"

pytestmark = pytest.mark.django_db


def _database_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    task_backends._settings = None  # re-read TASKS


def test_the_worker_schedules_the_erasure_once_at_half_past_two_in_brussels(settings):
    _database_tasks(settings)
    try:
        with time_machine.travel(datetime(2026, 12, 5, 12, 0, tzinfo=UTC), tick=False):
            first = ensure_recurring_tasks()
            again = ensure_recurring_tasks()
    finally:
        task_backends._settings = None
    assert PATH in first and PATH not in again
    waiting = DBTaskResult.objects.get(task_path=PATH, status="READY")
    at = waiting.run_after.astimezone(ZoneInfo("Europe/Brussels"))
    assert (at.date().isoformat(), at.hour, at.minute) == ("2026-12-06", 2, 30)


def test_the_task_erases_what_retention_allows_and_schedules_the_next_night(
    settings, make_request, officers, make_slot
):
    request = make_request(triage="standard")
    hs.request_invite(actor=officers["a"], request=request, slot=make_slot())
    hs.decision_grant(actor=officers["a"], request=request, reasons="Granted.")
    request.refresh_from_db()
    _database_tasks(settings)
    try:
        with time_machine.travel(
            datetime.combine(request.erase_on, datetime.min.time(), tzinfo=UTC)
            + timedelta(hours=12),
            tick=False,
        ):
            result = nightly_erase.call()
            assert schedule_nightly_erase() is None  # the next night is already waiting
    finally:
        task_backends._settings = None
    assert result == {"requests_erased": 1}
    assert not SealedGrounds.objects.filter(request=request).exists()
    assert DBTaskResult.objects.filter(task_path=PATH, status="READY").count() == 1


def _later():
    return datetime.now(UTC) + timedelta(days=7)
