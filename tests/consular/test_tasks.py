"""The worker's consular round: scheduled by ``relocard worker`` and every five minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.tasks import task_backends
from django_tasks_db.models import DBTaskResult

from relocard.cli.schedule import ensure_recurring_tasks
from relocard.consular.models import AppointmentStatus
from relocard.consular.tasks import TICK, tick

PATH = "relocard.consular.tasks.tick"

pytestmark = pytest.mark.django_db


def test_the_worker_schedules_one_round(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    at = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    try:
        with time_machine.travel(at, tick=False):
            first = ensure_recurring_tasks()
            again = ensure_recurring_tasks()
    finally:
        task_backends._settings = None
    assert PATH in first and PATH not in again
    waiting = DBTaskResult.objects.get(task_path=PATH, status="READY")
    assert waiting.run_after == at + TICK


def test_the_round_draws_once_registration_has_closed(registered, window):
    appointment = registered()
    with time_machine.travel(window.closes_at + timedelta(minutes=1), tick=False):
        assert tick.call()["committed"] == 1
    with time_machine.travel(window.closes_at + timedelta(minutes=12), tick=False):
        assert tick.call()["performed"] == 1
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.OFFERED
