"""The PostgreSQL paths: COPY out of the database (binary and CSV) and COPY into it."""

from __future__ import annotations

import pytest
from django.db import connection
from tests.compliance.conftest import TODAY

from relocard.cards import compliance
from relocard.cards.compliance import load, pgbulk, write
from relocard.cards.models import CardCompliance, CardStatus
from relocard.core.compliance import due_reminders

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="COPY is PostgreSQL's; SQLite uses the ORM"
    ),
]


def _stored() -> dict[int, dict]:
    return {
        row.card_id: {f: getattr(row, f) for f in compliance.VERDICT_FIELDS}
        for row in CardCompliance.objects.filter(card__status=CardStatus.ACTIVE)
    }


def test_copy_upsert_writes_what_the_orm_upsert_writes(population, monkeypatch):
    population(120, seed=11)
    monkeypatch.setattr(write, "COPY_THRESHOLD", 10**9)
    compliance.compliance_run(today=TODAY)
    by_orm = _stored()
    CardCompliance.objects.all().delete()
    monkeypatch.setattr(write, "COPY_THRESHOLD", 0)
    run = compliance.compliance_run(today=TODAY)
    assert run.changed == len(by_orm) > 50
    assert _stored() == by_orm
    # And an update through COPY: a day later some verdicts move.
    run = compliance.compliance_run(today=TODAY.replace(day=1).replace(month=12))
    assert run.changed > 0
    later = _stored()
    monkeypatch.setattr(write, "COPY_THRESHOLD", 10**9)
    CardCompliance.objects.all().delete()
    compliance.compliance_run(today=TODAY.replace(day=1).replace(month=12))
    assert _stored() == later


def test_trips_read_by_binary_copy_equal_the_orm_rows(population):
    from collections import Counter

    import numpy as np

    from relocard.cards.models import Card
    from relocard.presence.models import Trip

    population(40, seed=12)
    cards = load.load_cards(today=TODAY)
    applicants = cards["applicant_id"].to_numpy()
    trips = load.load_trips(applicants)
    holders = Card.objects.filter(status=CardStatus.ACTIVE).values("applicant_id")
    rows = Counter(
        Trip.objects.filter(applicant_id__in=holders).values_list(
            "applicant_id", "left", "returned"
        )
    )

    def day(value):
        return None if np.isnat(value) else value.astype(object)

    got = Counter(
        (int(a), day(left), day(returned))
        for a, left, returned in zip(
            applicants[trips.holder], trips.left, trips.returned, strict=True
        )
    )
    assert got == rows
    assert any(r[1] is None for r in rows) and any(r[2] is None for r in rows)


def test_a_failed_copy_raises_the_database_error_and_the_connection_recovers():
    import psycopg
    from django.db import transaction

    with pytest.raises(psycopg.errors.UndefinedTable), transaction.atomic():
        b"".join(pgbulk.copy_out("COPY (SELECT * FROM no_such_table) TO STDOUT"))
    with connection.cursor() as cursor:  # rolled back to the savepoint: usable again
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)


def test_stopping_early_drains_the_copy(population):
    population(20, seed=13)
    reader = pgbulk.copy_out("COPY (SELECT generate_series(1, 200000)) TO STDOUT", chunk=1024)
    first = next(reader)
    assert first.startswith(b"1\n")
    reader.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)


def test_reminders_recorded_by_copy_once(population, monkeypatch):
    from django.utils import timezone

    from relocard.cards.models import RenewalReminder

    population(120, seed=14)
    monkeypatch.setattr(write, "COPY_THRESHOLD", 0)
    run = compliance.compliance_run(today=TODAY)
    assert run.reminders > 5
    assert RenewalReminder.objects.count() == run.reminders
    due = due_reminders(load.load_cards(today=TODAY), load.load_reminders().clear(), today=TODAY)
    assert due.height == run.reminders  # all of them due again if nothing had been recorded
    write.remember_reminders(due, now=timezone.now())  # conflicts: nothing happens
    assert RenewalReminder.objects.count() == run.reminders


def test_a_second_run_is_refused_while_one_is_in_progress(make_holder):
    import psycopg
    from click.testing import CliRunner

    from relocard.cli import main
    from relocard.common.errors import InvalidState

    make_holder()
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [compliance.RUN_LOCK])
        with pytest.raises(InvalidState, match="Another compliance run is in progress"):
            compliance.compliance_run(today=TODAY)
        result = CliRunner().invoke(main, ["compliance", "run"])
        assert result.exit_code == 2
        assert result.stderr.startswith("error: Another compliance run is in progress")
        other.execute("SELECT pg_advisory_unlock(%s)", [compliance.RUN_LOCK])
    finally:
        other.close()
    assert compliance.compliance_run(today=TODAY).cards == 1


def test_a_binary_copy_that_does_not_fit_the_row_layout_is_refused():
    row = pgbulk.binary_row(("a", ">i8"), ("b", ">i4"), ("c", ">i4"))
    with pytest.raises(RuntimeError, match="unexpected end of a binary COPY"):
        list(pgbulk.copy_binary_rows("SELECT g::int8, g::int4 FROM generate_series(1, 3) g", row))
    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        assert cursor.fetchone() == (42,)


def test_binary_rows_and_epoch_days_carry_nulls():
    import numpy as np

    row = pgbulk.binary_row(("id", ">i8"), ("day", ">i4"))
    sql = (
        f"SELECT g::int8, {pgbulk.epoch_day_sql('d')} FROM (VALUES "  # noqa: S608 (a constant)
        "(1, DATE '1969-12-31'), (2, NULL), (3, DATE '2026-06-30')) AS v(g, d)"
    )
    parsed = np.concatenate(list(pgbulk.copy_binary_rows(sql, row)))
    assert parsed["id"].tolist() == [1, 2, 3]
    days = pgbulk.epoch_days(parsed["day"].astype(np.int32))
    assert str(days[0]) == "1969-12-31" and np.isnat(days[1]) and str(days[2]) == "2026-06-30"
