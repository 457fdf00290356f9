"""Prometheus metrics, computed from the database at scrape time (prometheus_client).

Every figure comes from the shared database, never from a counter kept in one process: any
server answers a scrape with the whole programme's numbers, and several servers behind a load
balancer agree. Each query is a grouped count over an indexed range or a small table; nothing
carries personal data (labels are member states, states, outcomes and results).

======================================================  ==========================================
metric                                                  meaning
======================================================  ==========================================
``relocard_cases{member_state,state}``                  cases by workflow state (the queues)
``relocard_cases_overdue{member_state}``                open cases past their decision deadline
``relocard_decisions_24h{member_state,outcome,status}`` decisions proposed in the last 24 hours
``relocard_checks_1h{method,result}``                   card checks in the last hour by result
``relocard_tasks{queue,status}``                        background tasks by status
``relocard_tasks_due{queue}``                           tasks ready to run now (the backlog)
``relocard_worker_lag_seconds{queue}``                  how long the oldest due task has waited
``relocard_worker_heartbeat_age_seconds``               since the newest worker heartbeat
``relocard_workers_alive``                              workers that beat within the stale limit
``relocard_status_list_age_seconds{member_state}``      age of the status list served now
``relocard_audit_unsealed_events``                      audit events not yet sealed into a block
``relocard_info{version}``                              always 1
======================================================  ==========================================
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Case, Count, F, Min, When
from django.db.models.functions import Greatest
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily
from prometheus_client.registry import Collector

from relocard import __version__
from relocard.audit.models import AuditEvent
from relocard.cards.credentials import status_list_jwt
from relocard.cases.models import Application, Decision
from relocard.ops.models import WorkerHeartbeat
from relocard.reference.models import MemberState
from relocard.verification.models import CardCheck

#: Case states in which a decision is still owed (the deadline clock matters).
OPEN_STATES = ("submitted", "in_review", "correction_requested", "refusal_proposed")


def _gauge(name: str, doc: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels)


class RelocardCollector(Collector):
    """Yields every metric of the table above, from a handful of grouped queries."""

    def collect(self) -> Iterator:
        now = timezone.now()
        yield from self._cases(now)
        yield self._decisions(now)
        yield self._checks(now)
        yield from self._tasks(now)
        yield from self._workers(now)
        yield self._status_lists(now)
        yield self._audit()
        info = InfoMetricFamily("relocard", "Relocard build information.")
        info.add_metric([], {"version": __version__})
        yield info

    def _cases(self, now) -> Iterator:

        cases = _gauge(
            "relocard_cases", "Cases by member state and workflow state.", ["member_state", "state"]
        )
        rows = Application.objects.values_list("member_state_id", "state").annotate(n=Count("id"))
        for member_state, state, n in rows.order_by():
            cases.add_metric([member_state, state], n)
        yield cases
        overdue = _gauge(
            "relocard_cases_overdue",
            "Open cases whose decision deadline has passed (clock not paused).",
            ["member_state"],
        )
        rows = (
            Application.objects.filter(
                state__in=OPEN_STATES,
                decision_due__lt=timezone.localdate(now),
                clock_paused_at=None,
            )
            .values_list("member_state_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for member_state, n in rows:
            overdue.add_metric([member_state], n)
        yield overdue

    def _decisions(self, now) -> GaugeMetricFamily:

        family = _gauge(
            "relocard_decisions_24h",
            "Decisions proposed in the last 24 hours by outcome and status.",
            ["member_state", "outcome", "status"],
        )
        rows = (
            Decision.objects.filter(proposed_at__gte=now - timedelta(hours=24))
            .values_list("application__member_state_id", "outcome", "status")
            .annotate(n=Count("id"))
            .order_by()
        )
        for member_state, outcome, status, n in rows:
            family.add_metric([member_state, outcome, status], n)
        return family

    def _checks(self, now) -> GaugeMetricFamily:

        family = _gauge(
            "relocard_checks_1h",
            "Card checks in the last hour by method and result.",
            ["method", "result"],
        )
        rows = (
            CardCheck.objects.filter(checked_at__gte=now - timedelta(hours=1))
            .values_list("method", "result")
            .annotate(n=Count("id"))
            .order_by()
        )
        for method, result, n in rows:
            family.add_metric([method, result], n)
        return family

    def _tasks(self, now) -> Iterator:
        from django_tasks_db.models import DBTaskResult, get_date_max

        tasks = _gauge(
            "relocard_tasks", "Background tasks by queue and status.", ["queue", "status"]
        )
        rows = DBTaskResult.objects.values_list("queue_name", "status").annotate(n=Count("id"))
        for queue, status, n in rows.order_by():
            tasks.add_metric([queue, status], n)
        yield tasks
        due = _gauge("relocard_tasks_due", "Tasks ready to run now.", ["queue"])
        lag = _gauge(
            "relocard_worker_lag_seconds",
            "How long the oldest task that is due has been waiting (0 when none is).",
            ["queue"],
        )
        queues = set(settings.TASKS["default"].get("QUEUES") or ["default"])
        # django-tasks-db stores "run as soon as possible" as the largest date: such a task is
        # due from when it was enqueued; a deferred one from its run_after (if after enqueue).
        due_since = Case(
            When(run_after=get_date_max(), then=F("enqueued_at")),
            default=Greatest(F("enqueued_at"), F("run_after")),
        )
        rows = (
            DBTaskResult.objects.ready()
            .values_list("queue_name")
            .annotate(n=Count("id"), since=Min(due_since))
            .order_by()
        )
        seen = {queue: (n, max(0.0, (now - since).total_seconds())) for queue, n, since in rows}
        for queue in sorted(queues | set(seen)):
            n, waited = seen.get(queue, (0, 0.0))
            due.add_metric([queue], n)
            lag.add_metric([queue], waited)
        yield due
        yield lag

    def _workers(self, now) -> Iterator:

        newest = (
            WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
        )
        stale = settings.RELOCARD_WORKER_STALE_SECONDS
        age = GaugeMetricFamily(
            "relocard_worker_heartbeat_age_seconds",
            "Seconds since the newest task-worker heartbeat (absent when none has beaten).",
        )
        if newest is not None:
            age.add_metric([], max(0.0, (now - newest).total_seconds()))
        yield age
        alive = GaugeMetricFamily(
            "relocard_workers_alive", f"Task workers that beat within {stale} seconds."
        )
        alive.add_metric(
            [], WorkerHeartbeat.objects.filter(seen_at__gte=now - timedelta(seconds=stale)).count()
        )
        yield alive

    def _status_lists(self, now) -> GaugeMetricFamily:

        family = _gauge(
            "relocard_status_list_age_seconds",
            "Age of the signed status list served now (from its iat), per member state.",
            ["member_state"],
        )
        for code in MemberState.objects.filter(programme_enabled=True).values_list(
            "code", flat=True
        ):
            iat = _jwt_iat(status_list_jwt(code))
            if iat is not None:
                family.add_metric([code], max(0.0, now.timestamp() - iat))
        return family

    def _audit(self) -> GaugeMetricFamily:

        family = GaugeMetricFamily(
            "relocard_audit_unsealed_events", "Audit events not yet sealed into the hash chain."
        )
        family.add_metric([], AuditEvent.objects.filter(block__isnull=True).count())
        return family


def _jwt_iat(token: str) -> float | None:
    """The ``iat`` claim of a JWT the platform signed itself (read, not verified: it comes from
    our own cache and only its age is reported)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["iat"])
    except (IndexError, ValueError, KeyError, TypeError):
        return None


def render() -> bytes:
    """The metrics in Prometheus' text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RelocardCollector())
    return generate_latest(registry)
