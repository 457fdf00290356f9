"""Operations: health and readiness probes, the worker heartbeat, Prometheus metrics,
structured logs, and encrypted backups that restore.

* :mod:`relocard.ops.health`: the checks behind ``/healthz`` and ``/readyz``.
* :mod:`relocard.ops.heartbeat`: the heartbeat ``relocard worker`` writes.
* :mod:`relocard.ops.metrics`: the Prometheus collector behind ``/metrics``.
* :mod:`relocard.ops.logs`: the JSON log formatter (``RELOCARD_LOG_FORMAT=json``).
* :mod:`relocard.ops.backup`: ``relocard backup`` and ``relocard restore``.
"""
