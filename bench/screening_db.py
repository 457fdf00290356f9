"""Bulk re-screening through the database: a new list version against 20,000 people.

``bench/screening.py`` measures the pure matcher (300,000 holders in memory). This script
measures what the worker does when an operator loads a new list version
(:func:`relocard.screening.services.rescreen_all`): read every active holder and open case with
its applicant from the database, build the queries, screen them in bulk against the version's
index (built from the stored entities), write one screening run per case, audited.

It seeds a throw-away installation (SQLite in a temporary folder, or the PostgreSQL database
of ``DATABASE_URL``, which it then fills: use an empty one) with 14,000 holders (approved case
and active card) and 6,000 open cases, names and dates of birth as in ``bench/screening.py``,
and 20 of them planted listed persons; loads the synthetic list of 5,000 persons and 20,000
aliases (plus 1,000 enterprises) with ``list_version_load`` (the open cases with their national
checks, as requested at submission); then times ``rescreen_all`` twice
(the second time against a second version, i.e. with a fresh index and existing runs).

    uv run python bench/screening_db.py [--people 20000] [--persons 5000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

os.environ.setdefault("RELOCARD_VAR_DIR", tempfile.mkdtemp(prefix="relocard-bench-"))
os.environ.setdefault("RELOCARD_SECRET_KEY", "bench-only-secret-key-0123456789abcdef")
os.environ["RELOCARD_TASKS_BACKEND"] = "django.tasks.backends.dummy.DummyBackend"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relocard.settings.base")
sys.path.insert(0, os.path.dirname(__file__))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from relocard.accounts.models import Applicant, User  # noqa: E402
from relocard.cards.models import Card  # noqa: E402
from relocard.cases.models import Application  # noqa: E402
from relocard.core.screening.fsf import write_list  # noqa: E402
from relocard.screening.models import NationalCheck, ScreeningRun  # noqa: E402
from relocard.screening.services import list_version_load, rescreen_all  # noqa: E402
from screening import Names, holders, synthetic_list  # noqa: E402

STATES = ["FR", "DE", "PL", "CY"]


def seed(people: int, entities, names: Names, rng: random.Random) -> None:
    queries, _expected = holders(people, 20, entities, names, rng)
    users = User.objects.bulk_create(
        [User(email=f"p{n}@bench.invalid", role="applicant") for n in range(people)],
        batch_size=2000,
    )
    applicants = []
    for n, ((latin, cyrillic), born) in enumerate(queries):
        given_l, _, surname_l = latin.partition(" ")
        surname_c, _, given_c = cyrillic.partition(" ")
        applicants.append(
            Applicant(
                user=users[n],
                surname_cyrillic=surname_c,
                given_names_cyrillic=given_c,
                surname_latin=surname_l or given_l,
                given_names_latin=given_l if surname_l else "",
                date_of_birth=born,
                nationality="RU",
                passport_number=f"75{n:07d}",
                passport_expiry=date(2031, 1, 1),
            )
        )
    applicants = Applicant.objects.bulk_create(applicants, batch_size=2000)
    holders_count = people * 7 // 10
    now = datetime.now(UTC)
    apps = Application.objects.bulk_create(
        [
            Application(
                reference=f"B{n:09d}",
                applicant=a,
                created_by=users[n],
                member_state_id=STATES[n % 4],
                channel="online",
                state="approved" if n < holders_count else "in_review",
                stage="issuance",
                submitted_at=now,
            )
            for n, a in enumerate(applicants)
        ],
        batch_size=2000,
    )
    # Open cases have their national checks (requested at submission, as in a real installation).
    NationalCheck.objects.bulk_create(
        [
            NationalCheck(
                application=app,
                cycle=1,
                stage="issuance",
                check_type=check_type,
                requested_at=now,
                deadline=date.today() + timedelta(days=30),
            )
            for app in apps[holders_count:]
            for check_type in ("sis", "police", "intelligence")
        ],
        batch_size=2000,
    )
    Card.objects.bulk_create(
        [
            Card(
                number=f"BENCH-{n:09d}",
                application=app,
                applicant_id=app.applicant_id,
                member_state_id=app.member_state_id,
                valid_from=date.today(),
                valid_until=date.today() + timedelta(days=365),
                status="active",
                status_list_index=n,
                issued_at=now,
            )
            for n, app in enumerate(apps[:holders_count])
        ],
        batch_size=2000,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--persons", type=int, default=5_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    rng = random.Random(18)
    names = Names(rng)
    entities = synthetic_list(args.persons, args.persons // 5, names, rng)
    t = time.perf_counter()
    seed(args.people, entities, names, rng)
    print(f"seeded {args.people} people in {time.perf_counter() - t:.1f} s ({connection.vendor})")
    for round_, day in ((1, 8), (2, 9)):
        data = write_list(datetime(2026, 5, day, tzinfo=UTC), entities, global_file_id=str(day))
        t = time.perf_counter()
        version = list_version_load(data=data, loaded_by="bench").version
        load = time.perf_counter() - t
        t, cpu = time.perf_counter(), time.process_time()
        counts = rescreen_all(version=version)
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        runs = ScreeningRun.objects.filter(version=version).count()
        print(
            f"round {round_}: load the list {load:.1f} s; re-screen {counts['screened']} cases "
            f"in {wall:.1f} s wall / {cpu:.1f} s CPU; {counts['possible_matches']} possible "
            f"matches; {runs} runs stored; load average {os.getloadavg()[0]:.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
