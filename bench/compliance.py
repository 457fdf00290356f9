"""Benchmark: the nightly compliance run on PostgreSQL, in bulk vs one card at a time.

Creates a fresh database (default ``relocard_bench_compliance``) on a PostgreSQL server,
migrates it, and fills it with COPY (never the ORM): 300,000 holders with an active card each
(users, applicants, cases, cards, flat facts rows, a few accepted exceptions) and 50 trips per
holder, 15 million trip rows. Then, in the same run of this script, each step in a fresh child
process (so that its peak memory is its own):

* **cold night**: ``compliance_run`` with no stored verdict yet (every row is written);
* **next night**: ``compliance_run`` the day after (only what changed is written);
* **naive loop**: ``compliance_for_card`` + save for a random sample of 10,000 cards, the
  straightforward per-card ORM implementation, inside a transaction rolled back at the end
  (the writes happen, the data stays as it was); it also checks that its verdicts equal the
  bulk ones on the sample.

Run it with ``uv run python bench/compliance.py`` (``--holders 30000`` for a quick look;
``--reuse`` skips the data generation when the database is already there). Results are printed
as a Markdown table and written to ``bench/out/compliance.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pathlib
import platform
import re
import resource
import subprocess
import sys
import time
from datetime import date, timedelta

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
TODAY = date(2026, 6, 30)
MEMBER_STATES = ("FR", "DE", "PL", "CY")
EPOCH_2000 = (date(2000, 1, 1) - date(1970, 1, 1)).days


# --- the database --------------------------------------------------------------------------


def _server_dsn(server: str, dbname: str) -> str:
    return re.sub(r"/[^/]*$", f"/{dbname}", server.rstrip("/"))


def create_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_server_dsn(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relocard.settings.base")
    os.environ.setdefault("RELOCARD_LOG_LEVEL", "WARNING")
    import django

    django.setup()


# --- generating the population with COPY -----------------------------------------------------


def _copy_csv(cursor, table: str, frame) -> None:
    """COPY a Polars frame into ``table`` (its column names) as CSV."""
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    data = frame.write_csv(include_header=False).encode()
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
        copy.write(data)


def _binary_rows(columns: list[tuple[str, object]]):
    """A numpy structured array laid out as PostgreSQL's binary COPY rows (big-endian)."""
    import numpy as np

    n = len(columns[0][1])
    fields = [("count", ">i2")]
    for name, values in columns:
        kind = ">i8" if values.dtype == np.int64 else ">i4"
        fields += [(f"{name}_len", ">i4"), (name, kind)]
    rows = np.empty(n, dtype=np.dtype(fields))
    rows["count"] = len(columns)
    for name, values in columns:
        rows[f"{name}_len"] = 8 if values.dtype == np.int64 else 4
        rows[name] = values
    return rows


def _copy_binary(cursor, table: str, names: list[str], rows, chunk: int = 1_000_000) -> None:
    header = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
    columns = ", ".join(f'"{c}"' for c in names)
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT binary)") as copy:
        copy.write(header)
        for start in range(0, len(rows), chunk):
            copy.write(rows[start : start + chunk].tobytes())
        copy.write(b"\xff\xff")


def generate(holders: int, trips_per_holder: int, seed: int) -> dict[str, float]:
    """Fill the migrated database; returns seconds per step."""
    import numpy as np
    import polars as pl
    from django.db import connection

    from relocard.accounts.models import Applicant, User
    from relocard.cards.models import Card
    from relocard.cases.models import AcceptedException, Application, CaseFacts
    from relocard.presence.models import Trip

    rng = np.random.default_rng(seed)
    n = holders
    ids = np.arange(1, n + 1, dtype=np.int64)
    staff_id = n + 1
    now = "2026-06-01 00:00:00+00"
    times: dict[str, float] = {}
    t0 = time.perf_counter()

    member_state = np.array(MEMBER_STATES)[rng.integers(0, len(MEMBER_STATES), n)]
    valid_from = np.datetime64(TODAY) - rng.integers(0, 367, n).astype("timedelta64[D]")
    valid_until = valid_from + np.timedelta64(364, "D")
    days_left = (valid_until - np.datetime64(TODAY)).astype(np.int64)
    lapsed = days_left < 0
    in_window = (days_left >= 0) & (days_left <= 120)
    pending = (lapsed & (rng.random(n) < 0.6)) | (in_window & (rng.random(n) < 0.3))
    states = np.where(pending, "submitted", "approved")

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # no FK triggers while loading
        users = pl.DataFrame(
            {
                "id": np.append(ids, staff_id),
                "password": "!",
                "is_superuser": False,
                "email": [f"h{i}@bench.invalid" for i in range(1, n + 1)] + ["cw@bench.invalid"],
                "role": ["applicant"] * n + ["caseworker"],
                "member_state_id": [None] * n + ["FR"],
                "preferred_language": np.where(rng.random(n + 1) < 0.5, "ru", "en"),
                "is_active": True,
                "is_staff": False,
                "date_joined": now,
            }
        )
        _copy_csv(cursor, User._meta.db_table, users)
        _copy_csv(
            cursor,
            Applicant._meta.db_table,
            pl.DataFrame(
                {
                    "id": ids,
                    "user_id": ids,
                    "surname_cyrillic": "Иванова",
                    "given_names_cyrillic": "Анна",
                    "surname_latin": "IVANOVA",
                    "given_names_latin": "ANNA",
                    "date_of_birth": "1990-04-27",
                    "nationality": "RU",
                    "passport_number": [f"{i:09d}" for i in range(1, n + 1)],
                    "passport_expiry": "2032-01-01",
                    "safe_mode": rng.random(n) < 0.4,
                    "created_at": now,
                    "updated_at": now,
                }
            ),
        )
        _copy_csv(
            cursor,
            Application._meta.db_table,
            pl.DataFrame(
                {
                    "id": ids,
                    "reference": [f"B-{i:010d}" for i in range(1, n + 1)],
                    "applicant_id": ids,
                    "member_state_id": member_state,
                    "channel": "online",
                    "state": states,
                    "stage": np.where(pending, "renewal", "issuance"),
                    "cycle": np.where(pending, 2, 1),
                    "created_by_id": ids,
                    "created_at": now,
                    "version": 1,
                    "last_submission_token": "",
                }
            ),
        )
        _copy_csv(
            cursor,
            Card._meta.db_table,
            pl.DataFrame(
                {
                    "id": ids,
                    "number": [f"C-{i:019d}" for i in range(1, n + 1)],
                    "application_id": ids,
                    "applicant_id": ids,
                    "member_state_id": member_state,
                    "cycle": 1,
                    "valid_from": valid_from,
                    "valid_until": valid_until,
                    "status": "active",
                    "status_list_index": ids,
                    "issued_at": now,
                    "status_reason": "",
                }
            ),
        )
        has_facts = rng.random(n) < 0.98
        f = int(has_facts.sum())
        fid = ids[has_facts]

        def pick(options, weights) -> list:
            return [options[i] for i in rng.choice(len(options), f, p=weights)]

        expires = np.where(
            rng.random(f) < 0.1,
            valid_until[has_facts] + rng.integers(-200, 200, f).astype("timedelta64[D]"),
            np.datetime64("NaT", "D"),
        )
        _copy_csv(
            cursor,
            CaseFacts._meta.db_table,
            pl.DataFrame(
                {
                    "id": np.arange(1, f + 1),
                    "application_id": fid,
                    "cycle": np.where(pending[has_facts], 2, 1),
                    "nationality": "RU",
                    "isced_level": pl.Series(
                        pick([7, 6, 3, None], [0.6, 0.37, 0.02, 0.01]), dtype=pl.Int64
                    ),
                    "languages": pick(
                        ["fr:B2", "en:C1;de:B1", "pl:B2", "el:C1", "en:A2", "none", ""],
                        [0.35, 0.35, 0.2, 0.06, 0.02, 0.01, 0.01],
                    ),
                    "employment": pick(
                        ["employed", "self_employed", "none", ""], [0.85, 0.12, 0.02, 0.01]
                    ),
                    "housing_tenure": pick(
                        ["tenant", "owner", "none", ""], [0.85, 0.13, 0.01, 0.01]
                    ),
                    "housing_country": np.where(
                        rng.random(f) < 0.99, member_state[has_facts], "GB"
                    ),
                    "liquid_assets_eur": pl.Series(
                        pick(["30000.00", "120000.00", "5000.00", None], [0.6, 0.38, 0.01, 0.01]),
                        dtype=pl.String,
                    ),
                    "expires_on": expires,
                    "updated_at": now,
                }
            ),
        )
        with_exception = np.flatnonzero(rng.random(n) < 0.01)
        _copy_csv(
            cursor,
            AcceptedException._meta.db_table,
            pl.DataFrame(
                {
                    "application_id": ids[with_exception],
                    "cycle": np.where(pending[with_exception], 2, 1),
                    "kind": "force_majeure_absence",
                    "days": rng.integers(5, 40, len(with_exception)),
                    "reason": "Airport closure, evidence on file.",
                    "accepted_by_id": staff_id,
                    "accepted_at": now,
                }
            ),
        )
        times["holders, cases, cards, facts"] = time.perf_counter() - t0

        # Trips: the residence benchmark's distribution, 50 per holder around the card year.
        t0 = time.perf_counter()
        m = n * trips_per_holder
        holder = np.repeat(np.arange(n), trips_per_holder)
        start = valid_from.astype("datetime64[D]").astype(np.int64)
        left = start[holder] + rng.integers(-30, 396, m)
        returned = left + rng.geometric(0.3, m) - 1
        open_return = rng.random(m) < 0.01
        lone_entry = (rng.random(m) < 0.002) & ~open_return
        applicant = (holder + 1).astype(np.int64)
        creator = applicant
        table = Trip._meta.db_table
        indexes = _drop_indexes(cursor, table)
        for column, default in (
            ("destination", "''"),
            ("source", "'declared'"),
            ("created_at", "now()"),
            ("updated_at", "now()"),
        ):
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET DEFAULT {default}')
        both = ~open_return & ~lone_entry
        pg_left = (left - EPOCH_2000).astype(np.int32)
        pg_returned = (returned - EPOCH_2000).astype(np.int32)
        for mask, names in (
            (both, ["applicant_id", "left", "returned", "created_by_id"]),
            (open_return, ["applicant_id", "left", "created_by_id"]),
            (lone_entry, ["applicant_id", "returned", "created_by_id"]),
        ):
            values = {
                "applicant_id": applicant[mask],
                "left": pg_left[mask],
                "returned": pg_returned[mask],
                "created_by_id": creator[mask],
            }
            rows = _binary_rows([(name, values[name]) for name in names])
            _copy_binary(cursor, table, names, rows)
            del rows
        for column in ("destination", "source", "created_at", "updated_at"):
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT')
        times["trips (COPY)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for definition in indexes:
            cursor.execute(definition)
        times["trip indexes"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        cursor.execute("SET session_replication_role = DEFAULT")
        for model in (User, Applicant, Application, Card, CaseFacts, AcceptedException, Trip):
            t = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {t}))"
            )
        cursor.execute("ANALYZE")
    times["analyze"] = time.perf_counter() - t0
    return times


def _drop_indexes(cursor, table: str) -> list[str]:
    """Drop the table's secondary indexes (not the primary key); return their definitions."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
        [table, "%_pkey"],
    )
    found = cursor.fetchall()
    for name, _definition in found:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


def reset() -> None:
    """Undo what a run changed, for ``--reuse``: verdicts, reminders, runs, tasks, expiries."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from relocard.cards.models import CardCompliance, ComplianceRun, RenewalReminder

    tables = [
        m._meta.db_table for m in (CardCompliance, RenewalReminder, ComplianceRun, DBTaskResult)
    ]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(tables))
        cursor.execute(
            "UPDATE cards_card SET status = 'active', status_changed_at = NULL, "
            "status_reason = '' WHERE status = 'expired'"
        )
        cursor.execute("VACUUM ANALYZE")


def counts() -> dict[str, int]:
    from relocard.cards.models import Card
    from relocard.presence.models import Trip

    return {"cards": Card.objects.count(), "trips": Trip.objects.count()}


# --- the measured steps, each in its own process -----------------------------------------------


def _status_mb(field: str) -> float | None:
    try:
        text = pathlib.Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) / 1024 if match else None


def _rss_mb() -> float:
    """The peak resident memory of this process image (Linux: VmHWM).

    Not ``ru_maxrss``: Linux carries it over ``exec`` from the parent, so a child started by
    a parent that has just generated 15 million trips would report the parent's peak.
    """
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    """The resident memory now (Linux: VmRSS), else the peak so far."""
    now = _status_mb("VmRSS")
    return now if now is not None else _rss_mb()


class _Phases(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.phases: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "compliance run: %s took %.3f s":
            name, seconds = record.args
            self.phases[name] = round(seconds, 3)


def child_run(today: date) -> dict:
    import numpy  # noqa: F401 - loaded before the baseline, as in a long-lived worker
    import polars  # noqa: F401
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from relocard.cards import compliance
    from relocard.cards.models import CardCompliance
    from relocard.core.residence import check_bulk  # noqa: F401
    from relocard.core.rules import evaluate_table  # noqa: F401

    phases = _Phases()
    log = logging.getLogger("relocard.cards.compliance")
    log.addHandler(phases)
    log.setLevel(logging.INFO)
    baseline = _current_rss_mb()
    t0 = time.perf_counter()
    run = compliance.compliance_run(today=today)
    seconds = time.perf_counter() - t0
    statuses = dict(
        CardCompliance.objects.filter(card__status="active")
        .values("status")
        .annotate(n=Count("card_id"))
        .values_list("status", "n")
    )

    tasks = DBTaskResult.objects.filter(
        task_path="relocard.common.notifications.notify_users", enqueued_at__gte=run.started_at
    ).count()
    return {
        "today": today.isoformat(),
        "seconds": round(seconds, 3),
        "phases": phases.phases,
        "cards": run.cards,
        "changed": run.changed,
        "worsened": run.worsened,
        "expired": run.expired,
        "reminders": run.reminders,
        "notification_tasks": tasks,
        "statuses": statuses,
        "rss_baseline_mb": round(baseline, 1),
        "rss_peak_mb": round(_rss_mb(), 1),
    }


def child_naive(today: date, sample: int, seed: int) -> dict:
    import random

    from django.db import transaction

    from relocard.cards import compliance
    from relocard.cards.models import Card, CardCompliance

    ids = list(Card.objects.filter(status="active").values_list("pk", flat=True))
    chosen = sorted(random.Random(seed).sample(ids, min(sample, len(ids))))
    stored = {
        r.card_id: {f: getattr(r, f) for f in compliance.VERDICT_FIELDS}
        for r in CardCompliance.objects.filter(card_id__in=chosen)
    }
    mismatches = 0
    t0 = time.perf_counter()
    with transaction.atomic():
        for pk in chosen:
            card = Card.objects.select_related("applicant", "member_state").get(pk=pk)
            verdict = compliance.compliance_for_card(card, today=today)
            compliance.compliance_save(card, verdict)
            mismatches += stored.get(pk) != verdict.fields()
        seconds = time.perf_counter() - t0
        transaction.set_rollback(True)  # leave the data as the bulk runs left it
    return {
        "sample": len(chosen),
        "seconds": round(seconds, 3),
        "mismatches": mismatches,
        "rss_peak_mb": round(_rss_mb(), 1),
    }


def _spawn(args: argparse.Namespace, *step: str) -> dict:
    command = [sys.executable, __file__, "--child", *step, "--server", args.server]
    command += ["--database", args.database, "--seed", str(args.seed)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the report --------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="relocard_bench_compliance")
    parser.add_argument("--holders", type=int, default=300_000)
    parser.add_argument("--trips", type=int, default=50, help="trips per holder")
    parser.add_argument("--sample", type=int, default=10_000, help="cards in the naive loop")
    parser.add_argument("--seed", type=int, default=20260630)
    parser.add_argument("--reuse", action="store_true", help="keep the data of a previous run")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = _server_dsn(args.server, args.database)

    if args.child:
        setup_django(url)
        step, *rest = args.child
        if step == "run":
            result = child_run(date.fromisoformat(rest[0]))
        else:
            result = child_naive(date.fromisoformat(rest[0]), int(rest[1]), args.seed)
        print(json.dumps(result))
        return 0

    timings: dict[str, float] = {}
    if not args.reuse:
        t0 = time.perf_counter()
        create_database(args.server, args.database)
        setup_django(url)
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        timings["create and migrate"] = time.perf_counter() - t0
        timings |= generate(args.holders, args.trips, args.seed)
    else:
        setup_django(url)
        t0 = time.perf_counter()
        reset()
        timings["reset"] = time.perf_counter() - t0
    sizes = counts()
    print(f"data: {sizes['cards']:,} cards, {sizes['trips']:,} trips")
    for name, seconds in timings.items():
        print(f"  {name}: {seconds:.1f} s")
    from django.db import connections

    connections.close_all()

    cold = _spawn(args, "run", TODAY.isoformat())
    print(f"cold night: {cold['seconds']:.1f} s, {cold['changed']:,} rows written")
    warm = _spawn(args, "run", (TODAY + timedelta(days=1)).isoformat())
    print(f"next night: {warm['seconds']:.1f} s, {warm['changed']:,} rows written")
    naive = _spawn(args, "naive", (TODAY + timedelta(days=1)).isoformat(), str(args.sample))
    print(f"naive loop: {naive['seconds']:.1f} s for {naive['sample']:,} cards")

    cards = cold["cards"]
    naive_per_card = naive["seconds"] / naive["sample"]
    report = {
        "cards": sizes["cards"],
        "trips": sizes["trips"],
        "generation_seconds": {k: round(v, 1) for k, v in timings.items()},
        "cold": cold,
        "next_night": warm,
        "naive": naive,
        "per_card_ms": {
            "cold": round(cold["seconds"] / cards * 1e3, 4),
            "next_night": round(warm["seconds"] / warm["cards"] * 1e3, 4),
            "naive": round(naive_per_card * 1e3, 3),
        },
        "naive_scaled_seconds": round(naive_per_card * cards, 1),
        "speedup": {
            "cold": round(naive_per_card * cards / cold["seconds"], 1),
            "next_night": round(naive_per_card * warm["cards"] / warm["seconds"], 1),
        },
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "compliance.json").write_text(json.dumps(report, indent=2) + "\n")

    print()
    print("| measure | cold night | next night |")
    print("| --- | --- | --- |")
    print(f"| whole run, {cards:,} cards | {cold['seconds']:.1f} s | {warm['seconds']:.1f} s |")
    for phase in cold["phases"]:
        print(
            f"| - {phase} | {cold['phases'][phase]:.2f} s | {warm['phases'].get(phase, 0):.2f} s |"
        )
    print(f"| rows written | {cold['changed']:,} | {warm['changed']:,} |")
    print(
        f"| worsened (notified), tasks | {cold['worsened']:,}, {cold['notification_tasks']} | "
        f"{warm['worsened']:,}, {warm['notification_tasks']} |"
    )
    print(
        f"| expired, reminders | {cold['expired']}, {cold['reminders']} | "
        f"{warm['expired']}, {warm['reminders']} |"
    )
    print(
        f"| per card | {report['per_card_ms']['cold']:.3f} ms | "
        f"{report['per_card_ms']['next_night']:.3f} ms |"
    )
    print(
        f"| naive loop: {naive['sample']:,} cards | {naive['seconds']:.1f} s "
        f"({naive_per_card * 1e3:.2f} ms per card) | |"
    )
    print(
        f"| speed-up per card (naive / bulk) | **{report['speedup']['cold']}x** | "
        f"**{report['speedup']['next_night']}x** |"
    )
    print(
        f"| peak memory (RSS; before the run) | {cold['rss_peak_mb']:.0f} MB "
        f"({cold['rss_baseline_mb']:.0f} MB) | {warm['rss_peak_mb']:.0f} MB "
        f"({warm['rss_baseline_mb']:.0f} MB) |"
    )
    print(
        f"\nbulk == naive on the sample: {naive['mismatches'] == 0} "
        f"({naive['mismatches']} mismatches)"
    )
    return 1 if naive["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
