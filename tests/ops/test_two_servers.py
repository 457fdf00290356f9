"""Several servers, no state in a process: two ``relocard serve`` on one database and one Redis.

Both servers share the database (SQLite in WAL mode, or PostgreSQL when the suite runs there),
the state folder (key store) and one Redis database (sessions stay in the database; the cache,
rate limits included, in Redis). What is shown, over real HTTP:

* a session signed in on one server is signed in on the other;
* a share code revoked by its holder on one server no longer checks on the other;
* an API key revoked on one server is refused by the other (within the documented
  ``RELOCARD_API_KEY_CACHE_SECONDS``);
* a rate limit counts the checks made on both servers together;
* both servers sign with the same key store: the status list of either verifies with the
  trust list of the other, and a card suspended on one is suspended in the other's list;
* several ``relocard worker`` processes drain one task queue without running a task twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import textwrap
import time

import pytest
from ops_installation import Installation

REDIS = os.environ.get("RELOCARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15").rsplit("/", 1)[0]
REDIS_URL = f"{REDIS}/8"  # this suite's own Redis database number
ORG_LIMIT = 6

SEED = textwrap.dedent(
    """
    import json, secrets
    from datetime import date, timedelta
    import django
    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from fpdf import FPDF
    from relocard.accounts.models import Role, User
    from relocard.accounts.services import applicant_profile_save
    from relocard.cards.credentials import latest
    from relocard.cases import services as cs
    from relocard.verification import services as vs
    from relocard.verification.models import VerifierOrganisation

    pdf = FPDF(); pdf.add_page(); pdf.set_font("Helvetica", size=12); pdf.cell(0, 10, "x")
    content = bytes(pdf.output())
    password = "a-long-test-password"
    cw = User.objects.create_user("cw@ops.test", password, role=Role.CASEWORKER, member_state_id="FR")
    admin = User.objects.create_user("admin@ops.test", password, role=Role.PROGRAMME_ADMIN)
    holder = User.objects.create_user("holder@ops.test", password)
    birthday = date(1988, 3, 14)
    applicant = applicant_profile_save(actor=holder, user=holder, data={
        "surname_cyrillic": "Иванова", "given_names_cyrillic": "Анна",
        "surname_latin": "IVANOVA", "given_names_latin": "ANNA", "date_of_birth": birthday,
        "nationality": "RU", "passport_number": "751234567",
        "passport_expiry": date.today() + timedelta(days=2000), "safe_mode": False})
    app = cs.application_start(actor=holder, applicant=applicant, member_state_code="FR")
    # Every criterion of the first card met on verified evidence (the approval gate).
    for kind, facts in [
        ("passport", {"passport-nationality": "RU"}),
        ("diploma", {"diploma-isced_level": "7"}),
        ("language_certificate",
         {"language_certificate-language": "fr", "language_certificate-cefr": "B2"}),
        ("liquid_assets", {"liquid_assets-amount_eur": "30000"}),
    ]:
        cs.evidence_add(actor=holder, application=app, kind=kind,
                        upload=SimpleUploadedFile("p.pdf", content, content_type="application/pdf"),
                        facts_data=facts)
    # The security screening is always on outside the test settings: a list version is loaded
    # before the case is filed, and two screening officers answer its national checks.
    from datetime import datetime, timezone
    from relocard.core.screening import Entity, NameAlias, SubjectType
    from relocard.core.screening.fsf import write_list
    from relocard.screening import services as ss
    listed = Entity(logical_id="900101", reference="EU.9001.01", subject_type=SubjectType.PERSON,
                    aliases=(NameAlias(whole_name="Yuliya ZHUKOVA"),))
    ss.list_version_load(data=write_list(datetime(2026, 5, 8, tzinfo=timezone.utc), (listed,),
                                         global_file_id="1"), loaded_by="ops test")
    officers = [User.objects.create_user(f"so{n}@ops.test", password, role=Role.SCREENING_OFFICER,
                                         member_state_id="FR") for n in range(2)]
    cs.application_submit(actor=holder, application=app, token=secrets.token_hex(8))
    app.refresh_from_db()
    for check in app.national_checks.filter(status="requested"):
        ss.check_answer_record(actor=officers[0], check=check, answer="no_objection",
                               authority_reference="")
        ss.check_answer_confirm(actor=officers[1], check=check)
    app.refresh_from_db()
    cs.application_start_review(actor=cw, application=app, version=app.version)
    app.refresh_from_db()
    for item in app.evidence.all():
        cs.evidence_review(actor=cw, evidence=item, status="verified",
            facts_data={f"review-{item.pk}-{k}": v for k, v in item.declared.items()})
    app.refresh_from_db()
    cs.application_approve(actor=cw, application=app, version=app.version)
    card = app.cards.get()
    codes = [vs.share_code_create(actor=holder, card=card, purpose="rent") for _ in range(2)]
    out = {"holder": holder.email, "password": password, "dob": birthday.isoformat(),
           "card": card.pk, "payload": latest(card, "rc1").payload,
           "codes": [[row.pk, code] for row, code in codes], "orgs": []}
    for n in range(3):
        user = vs.organisation_register(email=f"agent{n}@ops.test", password=password,
            name=f"Lettings {n}", kind="letting_agent", country="FR", registration_number=f"RCS {n}")
        org = VerifierOrganisation.objects.get(memberships__user=user)
        vs.organisation_decide(actor=admin, organisation=org, status="approved")
        row, key = vs.api_key_create(actor=user, name="ops test")
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        out["orgs"].append({"email": user.email, "key": key, "key_id": row.pk,
                            "totp": base64.b32encode(device.bin_key).decode()})
    print(json.dumps(out))
    """
).replace("import json, secrets", "import base64, json, secrets")

SUSPEND = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from relocard.accounts.models import Role, User
    from relocard.cards.models import Card
    from relocard.cards.services import card_status_confirm, card_status_propose
    cw = User.objects.get(email="cw@ops.test")
    sup = User.objects.create_user("sup@ops.test", "a-long-test-password", role=Role.SUPERVISOR,
                                   member_state_id="FR")
    card = Card.objects.get(pk=int(sys.argv[1]))
    change = card_status_propose(actor=cw, card=card, action="suspend", reason="Police report.")
    card_status_confirm(actor=sup, change=change)
    print(json.dumps({"status": Card.objects.get(pk=card.pk).status}))
    """
)


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"needs a Redis server at {REDIS} (CI starts one)")
    client.flushdb()
    return client


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, inst: Installation, log_path, **env):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "w+b")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "relocard.cli",
                "serve",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "4",
            ],
            env={**inst.env, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self, session) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited:\n{self.output()[-3000:]}")
            with contextlib.suppress(Exception):
                if session.get(f"{self.base}/healthz", timeout=5).status_code == 200:
                    return
            time.sleep(0.5)
        raise AssertionError("server did not start")

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    import requests

    _redis_or_skip()
    root = tmp_path_factory.mktemp("servers")
    inst = Installation(
        root,
        f"two_{secrets.token_hex(3)}",
        RELOCARD_REDIS_URL=REDIS_URL,
        RELOCARD_SECRET_KEY="two-servers-" + secrets.token_hex(16),
        RELOCARD_CHECK_RATE_PER_ORGANISATION=f"{ORG_LIMIT}/3600",
        RELOCARD_CHECK_RATE_PER_IP="1000/3600",
        RELOCARD_API_KEY_CACHE_SECONDS="2",
        RELOCARD_QR_LISTS_CACHE_SECONDS="1",
        RELOCARD_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    inst.run("migrate")
    # The key ceremony, as the operations guide says, before the servers start.
    inst.run(
        "credential", "keys", "init", "--key-dir", str(inst.var / "keys"), "--member-state", "FR"
    )
    data = inst.script(SEED)
    servers = [
        Server(inst, root / "a.log"),
        Server(inst, root / "b.log", RELOCARD_LOG_FORMAT="json"),
    ]
    try:
        probe = requests.Session()
        for server in servers:
            server.wait(probe)
        yield inst, data, servers
    finally:
        for server in servers:
            server.stop()
        inst.drop()


def _csrf(session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, (url, page.status_code)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def _sign_in(session, base: str, email: str, password: str, totp: str | None = None) -> None:
    token = _csrf(session, f"{base}/accounts/login/")
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": token},
        timeout=30,
    )
    assert response.status_code == 200, response.status_code
    if totp is not None:
        import pyotp

        token = _csrf(session, f"{base}/accounts/second-factor/")
        response = session.post(
            f"{base}/accounts/second-factor/",
            data={"code": pyotp.TOTP(totp).now(), "csrfmiddlewaretoken": token},
            timeout=30,
        )
        assert response.status_code == 200 and "/accounts/second-factor/" not in response.url


def _check_code(base: str, key: str, code: str, dob: str):
    import requests

    return requests.post(
        f"{base}/api/checks/share-code",
        json={"code": code, "date_of_birth": dob, "reason": "Tenancy application"},
        headers={"X-API-Key": key},
        timeout=30,
    )


def test_a_session_signed_in_on_one_server_is_signed_in_on_the_other(system):
    import requests

    _inst, data, (a, b) = system
    session = requests.Session()
    _sign_in(session, a.base, data["holder"], data["password"])
    on_b = session.get(f"{b.base}/share-codes/", timeout=30, allow_redirects=False)
    assert on_b.status_code == 200
    assert "/accounts/login/" not in on_b.headers.get("Location", "")
    stranger = requests.get(f"{b.base}/share-codes/", timeout=30, allow_redirects=False)
    assert stranger.status_code == 302  # the same page without the session: sign in first


def test_a_share_code_revoked_on_one_server_no_longer_checks_on_the_other(system):
    import requests

    _inst, data, (a, b) = system
    (code_id, code), _other = data["codes"]
    key = data["orgs"][1]["key"]
    assert _check_code(b.base, key, code, data["dob"]).json()["result"] == "valid"
    session = requests.Session()
    _sign_in(session, a.base, data["holder"], data["password"])
    token = _csrf(session, f"{a.base}/share-codes/")
    revoked = session.post(
        f"{a.base}/share-codes/{code_id}/revoke/",
        data={"csrfmiddlewaretoken": token},
        timeout=30,
    )
    assert revoked.status_code == 200
    assert _check_code(b.base, key, code, data["dob"]).json()["result"] == "no_match"


def test_a_rate_limit_counts_across_both_servers(system):
    _inst, data, (a, b) = system
    key = data["orgs"][0]["key"]
    _code_id, code = data["codes"][1]
    answers = [
        _check_code((a, b)[i % 2].base, key, code, data["dob"]).status_code
        for i in range(ORG_LIMIT + 2)
    ]
    assert answers[:ORG_LIMIT] == [200] * ORG_LIMIT
    assert answers[ORG_LIMIT:] == [429, 429], answers  # refused on both servers


def test_an_api_key_revoked_on_one_server_is_refused_by_the_other(system):
    import requests

    _inst, data, (a, b) = system
    org = data["orgs"][1]
    _code_id, code = data["codes"][1]
    assert _check_code(b.base, org["key"], code, data["dob"]).status_code == 200  # B knows it
    session = requests.Session()
    _sign_in(session, a.base, org["email"], data["password"], totp=org["totp"])
    token = _csrf(session, f"{a.base}/verify/organisation/")
    response = session.post(
        f"{a.base}/verify/organisation/api-keys/{org['key_id']}/revoke/",
        data={"csrfmiddlewaretoken": token},
        timeout=30,
    )
    assert response.status_code == 200 and "revoked" in response.text
    assert _check_code(a.base, org["key"], code, data["dob"]).status_code == 401
    deadline = time.monotonic() + 2 + 10  # RELOCARD_API_KEY_CACHE_SECONDS, and some slack
    while _check_code(b.base, org["key"], code, data["dob"]).status_code != 401:
        assert time.monotonic() < deadline, "server B still accepts a revoked key"
        time.sleep(0.5)


def _status_bit(token: str, trust: str, anchor: bytes, index: int) -> int:
    from cryptography import x509

    from relocard.core.credentials import TrustList, status_list_from_jwt

    trust_list = TrustList.from_signed(trust, x509.load_pem_x509_certificate(anchor))
    return status_list_from_jwt(token, trust_list.signer).status_list.get(index)


def test_one_key_store_and_one_status_list_for_both_servers(system):
    import requests

    inst, data, (a, b) = system
    anchor = {
        s.base: requests.get(f"{s.base}/credentials/trust-anchor.pem", timeout=30) for s in (a, b)
    }
    assert anchor[a.base].content == anchor[b.base].content
    trust_a = requests.get(f"{a.base}/credentials/trust-list", timeout=30).text
    status_b = requests.get(f"{b.base}/credentials/status/FR/1", timeout=30).text
    index = inst.script(
        "import django, json, sys; django.setup()\n"
        "from relocard.cards.models import Card\n"
        "print(json.dumps(Card.objects.get(pk=int(sys.argv[1])).status_list_index))\n",
        str(data["card"]),
    )
    # B's list verifies with A's trust list (one key store), and shows the card in force.
    assert _status_bit(status_b, trust_a, anchor[a.base].content, index) == 0
    assert inst.script(SUSPEND, str(data["card"]))["status"] == "suspended"
    for server in (a, b):
        token = requests.get(f"{server.base}/credentials/status/FR/1", timeout=30).text
        assert _status_bit(token, trust_a, anchor[a.base].content, index) != 0
    # And a QR check on B, right after, says the card is not valid.
    key = data["orgs"][2]["key"]
    deadline = time.monotonic() + 10
    while True:
        answer = requests.post(
            f"{b.base}/api/checks/qr",
            json={"payload": data["payload"], "reason": "Viewing"},
            headers={"X-API-Key": key},
            timeout=30,
        )
        if answer.status_code != 429 and answer.json().get("result") == "not_valid":
            break
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.5)


def test_probes_and_json_access_logs(system):
    import requests

    _inst, _data, (_a, b) = system
    assert requests.get(f"{b.base}/healthz", timeout=30).json()["status"] == "ok"
    ready = requests.get(f"{b.base}/readyz", timeout=30)
    # No worker runs in this test: every check but the worker's holds.
    checks = ready.json()["checks"]
    assert ready.status_code == 503 and not checks["worker"]["ok"]
    assert checks["database"]["ok"] and checks["cache"]["ok"] and checks["keystore"]["ok"]
    requests.get(f"{b.base}/privacy/?q=Ivanova", timeout=30)
    # gunicorn writes the access line just after the response: wait for it.
    deadline = time.monotonic() + 15
    while True:
        lines = [line for line in b.output().splitlines() if line.startswith("{")]
        access = [e for e in map(json.loads, lines) if e.get("logger") == "gunicorn.access"]
        if any(e["path"] == "/privacy/" and e["status"] == "200" for e in access):
            break
        assert time.monotonic() < deadline, lines[-5:]
        time.sleep(0.2)
    assert "Ivanova" not in b.output()  # paths only, never query strings


# --- several workers, one queue ---------------------------------------------------------------

ENQUEUE = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from django.db import transaction
    from relocard.accounts.models import User
    from relocard.common.notifications import notify_user
    user = User.objects.create_user("many@ops.test", "a-long-test-password")
    with transaction.atomic():
        ids = [str(notify_user.enqueue(user.pk, "submitted", f"R{i:04d}").id)
               for i in range(int(sys.argv[1]))]
    print(json.dumps(ids))
    """
)

RESULTS = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from django_tasks_db.models import DBTaskResult
    from relocard.ops.models import WorkerHeartbeat
    rows = DBTaskResult.objects.filter(task_path="relocard.common.notifications.notify_user")
    print(json.dumps({"tasks": [[str(r.id), r.status, r.worker_ids] for r in rows],
                      "heartbeats": list(WorkerHeartbeat.objects.values_list("worker_id", flat=True))}))
    """
)


def test_several_workers_share_the_queue_without_running_a_task_twice(tmp_path):
    tasks = 120
    inst = Installation(
        tmp_path,
        f"workers_{secrets.token_hex(3)}",
        RELOCARD_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        RELOCARD_HEARTBEAT_SECONDS="1",
    )
    try:
        inst.run("migrate")
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
            while len(started := inst.script(RESULTS)["heartbeats"]) < 2:
                assert time.monotonic() < deadline, "the workers did not start"
                time.sleep(0.5)
            ids = inst.script(ENQUEUE, str(tasks))
            while True:
                state = inst.script(RESULTS)
                if all(status == "SUCCESSFUL" for _id, status, _w in state["tasks"]):
                    break
                assert time.monotonic() < deadline + 300, "the queue was not drained"
                time.sleep(1)
        finally:
            for proc in workers:
                proc.terminate()
            for proc in workers:
                proc.wait(30)
        assert sorted(i for i, _s, _w in state["tasks"]) == sorted(ids)
        # Each task was claimed by exactly one worker, and both workers took some.
        assert all(len(w) == 1 for _i, _s, w in state["tasks"])
        assert len({w[0] for _i, _s, w in state["tasks"]}) == 2
        # The workers that ran them are the two whose heartbeats readiness sees.
        assert {w[0] for _i, _s, w in state["tasks"]} == set(started)
        # And each e-mail was sent once.
        # (the file backend appends the messages of one second to one file).
        sent = sum(
            path.read_text(encoding="utf-8").count("\nSubject: ")
            + path.read_text(encoding="utf-8").startswith("Subject: ")
            for path in (inst.var / "mail").iterdir()
        )
        assert sent == tasks
        # Workers that stop cleanly remove their heartbeat.
        assert inst.script(RESULTS)["heartbeats"] == []
    finally:
        inst.drop()
