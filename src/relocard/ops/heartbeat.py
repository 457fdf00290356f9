"""The task worker's heartbeat: a row in the database refreshed every few seconds.

``relocard worker`` starts :class:`Heartbeat` beside django-tasks-db's worker loop (a daemon
thread with its own database connection). ``/readyz`` and the metrics read the newest beat;
rows of workers gone for a day are removed by the beats of the others.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from relocard.ops.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

#: Rows of workers silent for this long are deleted.
FORGET_AFTER = timedelta(days=1)


def new_worker_id() -> str:
    """``host:pid:random``: unique across the pool (django-tasks-db allows 64 characters)."""
    host = socket.gethostname()[:40]
    return f"{host}:{os.getpid()}:{secrets.token_hex(4)}"


def beat(worker_id: str, *, started_at=None) -> WorkerHeartbeat:
    """Record that ``worker_id`` is alive now (and forget workers silent for a day)."""
    now = timezone.now()
    row, _ = WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"seen_at": now},
        create_defaults={
            "seen_at": now,
            "started_at": started_at or now,
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
        },
    )
    WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    return row


def forget(worker_id: str) -> None:
    """A worker that stops cleanly removes its row (so readiness does not count it)."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


class Heartbeat(threading.Thread):
    """Beats every ``RELOCARD_HEARTBEAT_SECONDS`` until :meth:`stop`; a failed beat (database
    briefly away) is logged and retried at the next interval, never fatal to the worker."""

    def __init__(self, worker_id: str, interval: float | None = None):
        super().__init__(name="relocard-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.interval = interval or settings.RELOCARD_HEARTBEAT_SECONDS
        self.started_at = timezone.now()
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.is_set():
            try:
                close_old_connections()
                beat(self.worker_id, started_at=self.started_at)
            except Exception:  # the database may be restarting: try again next time
                logger.warning("worker heartbeat failed; retrying", exc_info=True)
            finally:
                connection.close()
            self._stopped.wait(self.interval)

    def stop(self) -> None:
        """Stop beating, wait for a beat in progress to end, then remove the row (a beat that
        finished after the removal would bring the row back)."""
        self._stopped.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout=self.interval + 30)
        try:
            forget(self.worker_id)
        except Exception:
            logger.warning("could not remove the worker heartbeat", exc_info=True)
        finally:
            connection.close()
