"""The nightly compliance run split by member state, shared by two ``relocard worker``s.

The night enqueues one task per member state; here every member state's task is enqueued
twice (as if the night had been started twice), and two workers drain the queue: each member
state is judged exactly once (one run record, one audit event, one verdict per card), both
workers take part, and the extra tasks write nothing.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import textwrap
import time

from ops_installation import Installation

STATES = ("FR", "DE", "PL", "CY")
PER_STATE = 3

SEED = textwrap.dedent(
    """
    import json, sys
    from datetime import timedelta
    import django
    django.setup()
    from django.db import transaction
    from django.utils import timezone
    from relocard.accounts.models import Applicant, User
    from relocard.cards.models import Card
    from relocard.cases.models import Application, CaseFacts
    from relocard.core.identifiers import new_card_number, new_case_reference

    today = timezone.localdate()
    n = 0
    with transaction.atomic():
        for ms in sys.argv[1].split(","):
            for _ in range(int(sys.argv[2])):
                n += 1
                user = User.objects.create_user(f"holder{n}@workers.test", None)
                applicant = Applicant.objects.create(
                    user=user, surname_cyrillic="Смирнов", given_names_cyrillic="Пётр",
                    surname_latin="SMIRNOV", given_names_latin="PETR",
                    date_of_birth=today.replace(year=1985), nationality="RU",
                    passport_number=f"76{n:07d}", passport_expiry=today + timedelta(days=3000),
                )
                app = Application.objects.create(
                    reference=new_case_reference(ms), applicant=applicant, member_state_id=ms,
                    state="approved", created_by=user,
                )
                Card.objects.create(
                    number=new_card_number(ms), application=app, applicant=applicant,
                    member_state_id=ms, valid_from=today - timedelta(days=100),
                    valid_until=today + timedelta(days=264), status_list_index=n,
                    issued_at=timezone.now(),
                )
                CaseFacts.objects.create(
                    application=app, cycle=1, nationality="RU", isced_level=7,
                    languages="en:C1", employment="employed", housing_tenure="tenant",
                    housing_country=ms, liquid_assets_eur=30000,
                )
    print(json.dumps(n))
    """
)

ENQUEUE = textwrap.dedent(
    """
    import json
    import django
    django.setup()
    from django.db import transaction
    from relocard.cards.compliance import run_date
    from relocard.cards.tasks import member_state_compliance, member_states_to_judge
    day = run_date().isoformat()
    states = member_states_to_judge()
    with transaction.atomic():
        ids = [str(member_state_compliance.enqueue(ms, day).id) for _ in range(2) for ms in states]
    print(json.dumps({"ids": ids, "states": states, "day": day}))
    """
)

RESULTS = textwrap.dedent(
    """
    import json
    import django
    django.setup()
    from django_tasks_db.models import DBTaskResult
    from relocard.audit.models import AuditEvent
    from relocard.cards.models import CardCompliance, ComplianceRun
    from relocard.ops.models import WorkerHeartbeat
    rows = DBTaskResult.objects.filter(
        task_path="relocard.cards.tasks.member_state_compliance"
    )
    print(json.dumps({
        "tasks": [[str(r.id), r.status, r.worker_ids, r.return_value] for r in rows],
        "errors": [r.traceback for r in rows if r.status == "FAILED"],
        "runs": list(ComplianceRun.objects.values_list("member_state", "run_on", "cards")),
        "events": list(AuditEvent.objects.filter(action="compliance.run")
                       .values_list("member_state", flat=True)),
        "verdicts": CardCompliance.objects.count(),
        "heartbeats": list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)),
    }, default=str))
    """
)


def test_two_workers_share_the_split_compliance_run_without_double_work(tmp_path):
    inst = Installation(
        tmp_path, f"compliance_{secrets.token_hex(3)}", RELOCARD_HEARTBEAT_SECONDS="1"
    )
    try:
        inst.run("migrate")
        assert inst.script(SEED, ",".join(STATES), str(PER_STATE)) == len(STATES) * PER_STATE
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "relocard.cli", "worker", "--interval", "0.1"],
                env=inst.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        try:
            deadline = time.monotonic() + 180
            while len(inst.script(RESULTS)["heartbeats"]) < 2:
                assert time.monotonic() < deadline, "the workers did not start"
                time.sleep(0.5)
            queued = inst.script(ENQUEUE)
            assert queued["states"] == sorted(STATES)
            while True:
                state = inst.script(RESULTS)
                if len(state["tasks"]) == 2 * len(STATES) and all(
                    status == "SUCCESSFUL" for _i, status, _w, _r in state["tasks"]
                ):
                    break
                assert not state["errors"], f"a task failed: {state['errors']}"
                assert time.monotonic() < deadline + 300, f"the queue was not drained: {state}"
                time.sleep(1)
        finally:
            for proc in workers:
                proc.terminate()
            for proc in workers:
                proc.wait(30)
        # Every task was claimed by one worker, and both workers took some.
        assert all(len(w) == 1 for _i, _s, w, _r in state["tasks"])
        assert len({w[0] for _i, _s, w, _r in state["tasks"]}) == 2
        # Each member state was judged once: one run, one audit event, a verdict per card.
        assert sorted(ms for ms, _on, _cards in state["runs"]) == sorted(STATES)
        assert all(on == queued["day"] and cards == PER_STATE for _ms, on, cards in state["runs"])
        assert sorted(state["events"]) == sorted(STATES)
        assert state["verdicts"] == len(STATES) * PER_STATE
        # The second task of a member state wrote nothing: it found the run done (or running).
        by_state: dict[str, list[dict]] = {}
        for _i, _s, _w, value in state["tasks"]:
            by_state.setdefault(value["member_state"], []).append(value)
        for values in by_state.values():
            runs = {v["run"] for v in values if "run" in v}
            assert len(values) == 2 and len(runs) == 1
    finally:
        inst.drop()
