"""The nightly task that schedules itself, and ``relocard compliance run``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from django.tasks import default_task_backend
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st
from tests.compliance.conftest import GOOD_FACTS, TODAY

from relocard.cards import tasks
from relocard.cards.models import CardCompliance, ComplianceRun
from relocard.cli import main

BRUSSELS = ZoneInfo("Europe/Brussels")
DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


# --- when the next night is -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # An ordinary winter night: 02:00 CET is 01:00 UTC.
        (datetime(2026, 1, 10, 12, 0, tzinfo=UTC), datetime(2026, 1, 11, 1, 0, tzinfo=UTC)),
        (datetime(2026, 1, 10, 0, 30, tzinfo=UTC), datetime(2026, 1, 10, 1, 0, tzinfo=UTC)),
        # Exactly at 02:00: the next one, a day later.
        (datetime(2026, 1, 10, 1, 0, tzinfo=UTC), datetime(2026, 1, 11, 1, 0, tzinfo=UTC)),
        # Summer: 02:00 CEST is 00:00 UTC.
        (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), datetime(2026, 7, 2, 0, 0, tzinfo=UTC)),
        # 29 March 2026: clocks jump from 02:00 to 03:00; the run is at 03:00 CEST (01:00 UTC).
        (datetime(2026, 3, 28, 12, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # 25 October 2026: 02:00 happens twice; the first (02:00 CEST, 00:00 UTC) is taken.
        (datetime(2026, 10, 24, 12, 0, tzinfo=UTC), datetime(2026, 10, 25, 0, 0, tzinfo=UTC)),
    ],
)
def test_next_run_is_the_next_two_in_the_morning_in_brussels(now, expected):
    assert tasks.next_run_at(now) == expected


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2035, 12, 31)))
def test_next_run_is_within_a_day_and_at_two_or_three_local(naive):
    now = naive.replace(tzinfo=UTC)
    at = tasks.next_run_at(now)
    assert now < at <= now + timedelta(hours=25)
    local = at.astimezone(BRUSSELS)
    assert (local.hour, local.minute) in ((2, 0), (3, 0))


def test_next_run_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="aware"):
        tasks.next_run_at(datetime(2026, 1, 1, 12, 0))


# --- the task -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_nightly_task_enqueues_one_run_per_member_state_and_the_next_night(make_holder):
    make_holder(member_state="FR")
    make_holder(member_state="FR")
    make_holder(member_state="PL")
    with override_settings(TASKS=DUMMY_TASKS):
        default_task_backend.clear()
        result = tasks.nightly_compliance.call()
        names = [(r.task.name, tuple(r.args)) for r in default_task_backend.results]
        scheduled = [r for r in default_task_backend.results if r.task.name == "nightly_compliance"]
    day = result["on"]
    assert result["member_states"] == ["FR", "PL"]
    assert ("member_state_compliance", ("FR", day)) in names
    assert ("member_state_compliance", ("PL", day)) in names
    assert len([n for n in names if n[0] == "member_state_compliance"]) == 2
    assert not ComplianceRun.objects.exists()  # the workers run them, not this task
    assert len(scheduled) == 1
    at = scheduled[0].task.run_after
    assert at > datetime.now(UTC) and at.astimezone(BRUSSELS).hour in (2, 3)


@pytest.mark.django_db
def test_a_member_state_task_runs_once_per_date(make_holder):
    fr, pl = make_holder(member_state="FR"), make_holder(member_state="PL")
    first = tasks.member_state_compliance.call("FR", TODAY.isoformat())
    assert first["cards"] == 1
    assert CardCompliance.objects.filter(card=fr).exists()
    assert not CardCompliance.objects.filter(card=pl).exists()  # another member state's
    again = tasks.member_state_compliance.call("FR", TODAY.isoformat())
    assert again["run"] == first["run"]  # the same record: nothing judged or written twice
    run = ComplianceRun.objects.get()
    assert (run.member_state, run.run_on) == ("FR", TODAY)
    from relocard.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="compliance.run").count() == 1
    tasks.member_state_compliance.call("PL", TODAY.isoformat())
    assert CardCompliance.objects.filter(card=pl).exists()
    assert ComplianceRun.objects.count() == 2


@pytest.mark.django_db
def test_the_next_night_is_scheduled_even_when_a_run_fails(make_holder, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tasks, "retention_run", broken)
    with override_settings(TASKS=DUMMY_TASKS):
        default_task_backend.clear()
        with pytest.raises(RuntimeError):
            tasks.nightly_compliance.call()
        assert [r.task.name for r in default_task_backend.results] == ["nightly_compliance"]


@pytest.mark.django_db
def test_with_the_immediate_backend_the_task_does_not_recurse(make_holder):
    make_holder(member_state="FR")
    make_holder(member_state="DE")
    result = tasks.nightly_compliance.enqueue()  # the tests' immediate backend runs it now
    assert result.status == "SUCCESSFUL"
    assert sorted(ComplianceRun.objects.values_list("member_state", flat=True)) == ["DE", "FR"]


@pytest.mark.django_db(transaction=False)
def test_scheduling_with_the_database_backend_is_idempotent(member_states):
    from django_tasks_db.models import DBTaskResult

    with override_settings(TASKS=DB_TASKS):
        first = tasks.schedule_nightly()
        assert first is not None
        assert tasks.schedule_nightly() is None
        rows = DBTaskResult.objects.filter(task_path=tasks.nightly_compliance.module_path)
        assert rows.count() == 1 and rows.get().run_after == first


def test_scheduling_needs_a_backend_that_can_wait():
    with pytest.raises(tasks.SchedulingError, match="django-tasks-db"):
        tasks.schedule_nightly()


# --- the command ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_runs_one_member_state(make_holder):
    fr, de = make_holder(member_state="FR"), make_holder(member_state="DE")
    args = ["compliance", "run", "--date", TODAY.isoformat(), "--member-state", "fr"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"compliance run of FR for {TODAY.isoformat()}: 1 cards")
    assert CardCompliance.objects.filter(card=fr).exists()
    assert not CardCompliance.objects.filter(card=de).exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("F", "two-letter code"),
        ("XX", "the programme does not run in this member state"),
        ("IT", "the programme does not run in this member state"),
    ],
)
@pytest.mark.django_db
def test_the_command_refuses_a_bad_member_state_in_one_line(make_holder, value, message):
    make_holder()
    result = CliRunner().invoke(main, ["compliance", "run", "--member-state", value])
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not ComplianceRun.objects.exists()


@pytest.mark.django_db
def test_the_command_runs_for_a_date(make_holder):
    card = make_holder(facts={**GOOD_FACTS, "employment": "none"})
    result = CliRunner().invoke(main, ["compliance", "run", "--date", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"compliance run for {TODAY.isoformat()}: 1 cards judged, 1 changed, 1 worsened, "
        "0 expired, 0 reminders ("
    )
    assert CardCompliance.objects.get(card=card).status == "failing"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "error: --date: 2026-02-30 does not exist"),
        ("30/06/2026", "error: --date:"),
        ("26-06-30", "two-digit year"),
    ],
)
@pytest.mark.django_db
def test_the_command_refuses_a_bad_date_in_one_line(value, message):
    result = CliRunner().invoke(main, ["compliance", "run", "--date", value])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    assert not ComplianceRun.objects.exists()


@pytest.mark.django_db
def test_the_command_schedules_the_nightly_run(make_holder):
    make_holder()
    with override_settings(TASKS=DUMMY_TASKS):
        default_task_backend.clear()
        result = CliRunner().invoke(main, ["compliance", "run", "--schedule"])
        assert result.exit_code == 0, result.output
        assert "next nightly run scheduled for " in result.output
        assert "(Europe/Brussels)" in result.output
        assert [r.task.name for r in default_task_backend.results].count("nightly_compliance") == 1


@pytest.mark.django_db
def test_the_command_says_when_it_cannot_schedule(make_holder):
    result = CliRunner().invoke(main, ["compliance", "run", "--schedule"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: the task backend cannot run tasks later")
    assert result.stdout == "" and not ComplianceRun.objects.exists()
