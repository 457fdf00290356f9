"""The worker's heartbeat thread, and JSON logs without personal data."""

from __future__ import annotations

import json
import logging
import time

import pytest

from relocard.ops.heartbeat import Heartbeat, new_worker_id
from relocard.ops.models import WorkerHeartbeat


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_beats_and_forgets_itself_on_stop():
    worker_id = new_worker_id()
    assert len(worker_id) <= 64  # django-tasks-db's limit for worker ids
    heartbeat = Heartbeat(worker_id, interval=0.05)
    heartbeat.start()
    try:
        deadline = time.monotonic() + 20
        seen = []
        while time.monotonic() < deadline and len(set(seen)) < 2:
            row = WorkerHeartbeat.objects.filter(worker_id=worker_id).first()
            if row is not None:
                seen.append(row.seen_at)
            time.sleep(0.05)
        assert len(set(seen)) >= 2, "the heartbeat did not refresh"
    finally:
        heartbeat.stop()
        heartbeat.join(10)
    assert not WorkerHeartbeat.objects.filter(worker_id=worker_id).exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_beat_does_not_stop_the_thread(monkeypatch, caplog):
    from relocard.ops import heartbeat as module

    calls = []

    def flaky(worker_id, *, started_at=None):
        calls.append(worker_id)
        if len(calls) == 1:
            raise module.WorkerHeartbeat.DoesNotExist("database restarting")

    monkeypatch.setattr(module, "beat", flaky)
    thread = Heartbeat("w", interval=0.05)
    with caplog.at_level(logging.WARNING):
        thread.start()
        deadline = time.monotonic() + 20
        while len(calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        thread.stop()
        thread.join(10)
    assert len(calls) >= 3
    assert "worker heartbeat failed" in caplog.text


def test_json_logs_are_one_object_per_line():
    from relocard.ops.logs import formatter

    record = logging.LogRecord(
        "relocard.cases", logging.WARNING, __file__, 1, "line one\nforged line %s", ("x",), None
    )
    line = formatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "WARNING" and data["logger"] == "relocard.cases"
    assert data["message"] == "line one\nforged line x"
    assert "time" in data


def test_an_unknown_log_format_is_a_clear_configuration_error(monkeypatch):
    import subprocess
    import sys

    env = {"RELOCARD_LOG_FORMAT": "xml", "DJANGO_SETTINGS_MODULE": "relocard.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**__import__("os").environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "RELOCARD_LOG_FORMAT must be plain or json" in done.stderr
