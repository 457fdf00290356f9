"""Honest statistics: small counts hidden, percentiles with their sample, fixed queries; the
page reads stored snapshots that give the same figures as the computation."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from relocard.audit.models import AuditEvent
from relocard.cases.models import Application, StatisticsSnapshot
from relocard.cases.statistics import (
    STALE_AFTER,
    programme_statistics,
    statistics_refresh,
    statistics_snapshot,
)

pytestmark = pytest.mark.django_db


def test_small_counts_are_hidden_and_rates_need_five_decisions(make_case):
    for _ in range(3):
        make_case("approved")
    make_case("refused")
    (fr,) = programme_statistics(member_states=["FR"])
    assert str(fr.approved) == "<5" and str(fr.decided) == "<5"
    assert fr.approval_rate is None and fr.p90_days is None and fr.sample == 4
    make_case("approved")
    (fr,) = programme_statistics(member_states=["FR"])
    assert str(fr.decided) == "5" and fr.approval_rate == 80 and fr.p90_days == 0
    assert [(c, str(n)) for c, n in fr.refusal_criteria] == [("means", "<5")]


def _seed(make_case):
    """Every state, two member states, counts from 1 (suppressed) to 6 (shown), refusals."""
    for state, n in (
        ("draft", 1),
        ("submitted", 2),
        ("in_review", 6),
        ("correction_requested", 1),
        ("approved", 6),
        ("refused", 2),
        ("withdrawn", 1),
    ):
        for _ in range(n):
            make_case(state)
    for state in ("approved", "approved", "submitted"):
        make_case(state, member_state="DE")
    # One case long past its deadline, one decided outside the window.
    Application.objects.filter(state="in_review").filter(
        pk=Application.objects.filter(state="in_review").first().pk
    ).update(decision_due=timezone.localdate() - timedelta(days=3))
    Application.objects.filter(pk=Application.objects.filter(state="approved").first().pk).update(
        decided_at=timezone.now() - timedelta(days=200)
    )


def test_snapshots_give_the_same_figures_as_the_computation(make_case):
    _seed(make_case)
    codes = ["FR", "DE", "PL", "CY"]
    computed = programme_statistics(member_states=codes)
    rows, as_of = statistics_snapshot(member_states=codes)  # none stored: computed and stored
    assert rows == computed and as_of is not None
    assert StatisticsSnapshot.objects.count() == 4
    again, at = statistics_snapshot(member_states=codes)  # read back from the table
    assert again == computed and at == as_of
    fr = again[0]
    # Small-cell suppression survives the snapshot: stored as "small", never as the count.
    assert str(fr.by_state["draft"]) == "<5" and str(fr.by_state["in_review"]) == "6"
    assert str(fr.overdue) == "<5" and fr.sample == 7 and fr.approval_rate == 71
    assert [(c, str(n)) for c, n in fr.refusal_criteria] == [("means", "<5")]
    stored = StatisticsSnapshot.objects.get(member_state="FR").figures
    assert stored["by_state"]["draft"] == [None, True]
    assert str(again[1].approved) == "<5" and again[1].approval_rate is None


def test_a_stale_or_missing_snapshot_is_computed_at_once_and_audited(make_case):
    make_case("approved")
    at, _stored = statistics_refresh(member_states=["FR"])
    assert AuditEvent.objects.filter(action="statistics.refreshed").count() == 1
    for _ in range(4):
        make_case("approved")
    rows, as_of = statistics_snapshot(member_states=["FR"])
    assert as_of == at and str(rows[0].decided) == "<5"  # fresh: the stored figures, with time
    with time_machine.travel(at + STALE_AFTER + timedelta(seconds=1)):
        rows, as_of = statistics_snapshot(member_states=["FR", "DE"])
        assert as_of > at and str(rows[0].decided) == "5"
        assert rows == programme_statistics(member_states=["FR", "DE"])
    assert AuditEvent.objects.filter(action="statistics.refreshed").count() == 2


def test_the_worker_task_refreshes_every_member_state():
    from relocard.cases.tasks import refresh_statistics

    assert refresh_statistics.call(False) == StatisticsSnapshot.objects.count() >= 4


def _page_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("console:statistics"))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_statistics_page_access_and_query_count(client, make_case, staff):
    make_case("submitted")
    client.force_login(staff["programme_admin"])
    _page_queries(client)  # the first request of a session records it (and computes)
    reading, html = _page_queries(client)  # fresh snapshots: read, not computed
    assert "Figures as of" in html
    for _ in range(3):
        make_case("approved")
    assert _page_queries(client)[0] == reading

    def stale():
        StatisticsSnapshot.objects.update(computed_at=timezone.now() - STALE_AFTER * 2)

    stale()
    computing, _ = _page_queries(client)  # computed at once, in a fixed number of queries too
    for _ in range(2):
        make_case("approved", member_state="DE")
    stale()
    more, html = _page_queries(client)
    assert more == computing > reading
    assert "Programme statistics" in html
    client.force_login(staff["caseworker"])
    assert client.get(reverse("console:statistics")).status_code == 404
    client.force_login(staff["supervisor"])
    html = client.get(reverse("console:statistics")).content.decode()
    assert "<h2>France</h2>" in html and "<h2>Germany</h2>" not in html
    client.cookies["relocard_language"] = "ru"  # the switcher's choice
    html = client.get(reverse("console:statistics"))
    assert "<h2>Франция</h2>" in html.content.decode()


def test_what_if_runs_over_real_cases(client, make_case, staff):
    for _ in range(3):
        make_case("in_review")  # EUR 30,000 of verified assets each
    client.force_login(staff["programme_admin"])
    url = reverse("console:what_if")
    html = client.get(
        url,
        {
            "member_state": "FR",
            "stage": "issuance",
            "parameter": "means.monthly_amount",
            "value": "3000",
            "on": "2026-12-01",
        },
    ).content.decode()
    assert "Cases compared: 3" in html
    assert "3 cases would change outcome." in html
    bad = client.get(
        url,
        {
            "member_state": "FR",
            "stage": "issuance",
            "parameter": "means.monthly_amount",
            "value": "lots",
            "on": "2026-12-01",
        },
    )
    assert bad.status_code == 400 and "means.monthly_amount" in bad.content.decode()
    client.force_login(staff["caseworker"])
    assert client.get(url).status_code == 404


def test_the_worker_schedules_the_refresh_once(settings):
    from django.tasks import task_backends
    from django_tasks_db.models import DBTaskResult

    from relocard.cli.schedule import ensure_recurring_tasks

    path = "relocard.cases.tasks.refresh_statistics"
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    task_backends._settings = None  # re-read TASKS
    try:
        first = ensure_recurring_tasks()
        again = ensure_recurring_tasks()
    finally:
        task_backends._settings = None
    assert path in first and path not in again
    assert DBTaskResult.objects.filter(task_path=path, status="READY").count() == 1
