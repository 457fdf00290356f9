"""What operations keep in the database: each task worker's last sign of life.

The heartbeat lives in the database, not in a process or a local file, so that every server
(whichever one a probe reaches) sees every worker, on whatever machine it runs.
"""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per ``relocard worker`` process, refreshed every few seconds while it runs.

    ``worker_id`` is ``host:pid:random`` (no personal data); ``task_started_at`` is set while
    the worker runs a task, so that a long task is told apart from a stuck loop.
    """

    worker_id = models.CharField(max_length=128, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return self.worker_id
