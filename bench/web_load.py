"""Benchmark: the pages people use most, under load, at 3,000 and at 300,000 applicants.

Two installations side by side in one run, each with its own PostgreSQL database and state
folder, seeded by ``relocard loadtest seed`` (``loadtest_3k`` and ``loadtest_300k``; seeding
300,000 takes a while, ``--reuse`` keeps a seeded database), each served by its own
``relocard serve`` (gunicorn). Every client signs in as people do (password, then the
authenticator code for staff and verifiers); then a few client threads send the same mix of
requests to both servers, interleaved in random order, so that the noise of a shared machine
falls on both sizes alike:

==================  =========================================================================
page                request
==================  =========================================================================
dashboard           an applicant's ``/apply/``
case                the applicant's case page
queue               a caseworker's queue, open cases sorted by deadline, a page from 1 to 20
console case        a caseworker's page of a case of their member state (audited view)
audit by case       an auditor's audit log filtered by one case
statistics          an auditor's programme statistics
share-code check    a bank checks a share code and date of birth (POST, audited, recorded)
qr check            a bank checks a card's QR payload (POST, audited, recorded)
status list         the member state's signed status list (public)
==================  =========================================================================

Reported per page and size: p50 and p95 of the response time measured by the client, and the
ratio of the p95s (300k / 3k). Targets (issue 17): p95 < 200 ms for every page at 300,000, and
each page's p95 at 300,000 within 1.5x of 3,000. The load average is printed before and after.

    uv run python bench/web_load.py                         # seed (first run) and measure
    uv run python bench/web_load.py --reuse                 # keep the seeded databases
    uv run python bench/web_load.py --sizes 3000,30000 --pages statistics,queue

Results: a Markdown table on stdout and ``bench/out/web_load.json``.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import contextlib
import hashlib
import hmac
import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
STATE = OUT / "web_load"
PAGES = (
    "dashboard",
    "case",
    "queue",
    "console case",
    "audit by case",
    "statistics",
    "share-code check",
    "qr check",
    "status list",
)


# --- installations --------------------------------------------------------------------------


def _server_url(server: str, name: str) -> str:
    return re.sub(r"/[^/]*$", f"/{name}", server.rstrip("/"))


class Installation:
    def __init__(self, server: str, name: str, applicants: int, port: int):
        self.name, self.applicants, self.port = name, applicants, port
        self.url = _server_url(server, name)
        self.server = server
        self.var = STATE / name
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("RELOCARD_")}
        self.env.update(
            DATABASE_URL=self.url,
            RELOCARD_VAR_DIR=str(self.var),
            RELOCARD_LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="relocard.settings.base",
            RELOCARD_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            # The load test's clients all come from one address and two organisations.
            RELOCARD_CHECK_RATE_PER_IP="1000000/60",
            RELOCARD_CHECK_RATE_PER_ORGANISATION="1000000/60",
        )
        self.process: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{port}"

    def relocard(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "relocard.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )

    def seeded(self) -> bool:
        return (self.var / "loadtest.json").exists()

    def prepare(self, reuse: bool, recover: bool = False) -> dict | None:
        import psycopg

        if reuse and not self.seeded() and recover:
            self.relocard("migrate")
            self.recover_credentials()
            return None
        if reuse and self.seeded():
            self.relocard("migrate")  # indexes added since the seed
            return None
        with psycopg.connect(_server_url(self.server, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.name}"')
        shutil.rmtree(self.var, ignore_errors=True)
        self.relocard("migrate")
        print(f"seeding {self.applicants} applicants into {self.name}...", file=sys.stderr)
        done = self.relocard("loadtest", "seed", "--applicants", str(self.applicants))
        return json.loads(done.stdout)

    def recover_credentials(self) -> None:
        """Write ``loadtest.json`` again from the database, for a seed stopped after its data
        was committed (before the file was written): new passwords for the accounts the load
        test signs in with, new share codes made by the service, the stored QR payloads."""
        done = subprocess.run(
            [sys.executable, "-c", RECOVER],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-3000:])

    def credentials(self) -> dict:
        return json.loads((self.var / "loadtest.json").read_text(encoding="utf-8"))

    def start(self, workers: int, threads: int) -> None:
        bind = f"127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "relocard.cli", "serve", "--bind", bind),
                *("--workers", str(workers), "--threads", str(threads)),
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.5)
        raise RuntimeError(f"the server of {self.name} did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(30)


RECOVER = """
import json, os, secrets
import django
django.setup()
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from relocard.accounts.factors import totp_secret
from relocard.accounts.models import User
from relocard.cards.models import Card, CardCredential
from relocard.cases.models import Application
from relocard.verification.models import VerifierMembership
from relocard.verification.services import share_code_create
password = secrets.token_urlsafe(12)
out = {"password": password, "staff": {}, "verifiers": {}, "probe_applicants": [],
       "share_codes": [], "qr_payloads": []}
with transaction.atomic():
    for key, email in (("caseworker:FR", "caseworker.fr"), ("auditor:FR", "auditor.fr")):
        user = User.objects.get(email=f"{email}@loadtest.invalid")
        user.set_password(password)
        user.save(update_fields=["password"])
        device = TOTPDevice.objects.filter(user=user).first()
        out["staff"][key] = {"email": user.email, "totp": totp_secret(device).replace(" ", "")}
    bank = User.objects.get(email="bank.fr@loadtest.invalid")
    bank.set_password(password)
    bank.save(update_fields=["password"])
    out["verifiers"]["bank:FR"] = {
        "email": bank.email,
        "totp": totp_secret(TOTPDevice.objects.filter(user=bank).first()).replace(" ", ""),
    }
    cards = list(
        Card.objects.filter(status="active", applicant__user__email__regex=r"^applicant[0-9]{1,2}@")
        .select_related("applicant__user", "application")[:12]
    )
    for card in cards:
        user = card.applicant.user
        user.set_password(password)
        user.save(update_fields=["password"])
        out["probe_applicants"].append({"email": user.email, "case": card.application.reference})
        _row, code = share_code_create(actor=user, card=card, purpose="bank")
        out["share_codes"].append({"code": code, "purpose": "bank",
                                   "date_of_birth": card.applicant.date_of_birth.isoformat()})
        rc1 = CardCredential.objects.filter(card=card, format="rc1").first()
        out["qr_payloads"].append({"payload": rc1.payload, "member_state": card.member_state_id})
refs = list(Application.objects.filter(member_state="FR").order_by("id")
            .values_list("reference", flat=True))
out["console_cases"] = refs[:: max(1, len(refs) // 1000)]
path = settings.VAR_DIR / "loadtest.json"
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as handle:
    json.dump(out, handle)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- signing in as people do -------------------------------------------------------------------


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits): what an authenticator app shows."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = struct.pack(">Q", int((time.time() if at is None else at) // 30))
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6:06d}"


#: The result page's verdict when the card is valid (and only then): the confirmation panel
#: and its heading. The word alone is not enough: "Valid" stands on other result pages too.
VALID_VERDICT = re.compile(r'class="panel-confirmation result-panel">\s*<h1>Valid</h1>')


def _says_valid(answer: requests.Response) -> bool:
    return answer.status_code == 200 and VALID_VERDICT.search(answer.text) is not None


def _csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if match is None:
        raise RuntimeError("no CSRF token in the form")
    return match.group(1)


def sign_in(base: str, email: str, password: str, secret: str | None = None) -> dict:
    """Sign in through the forms; returns the session's cookies."""
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    answer = session.post(
        f"{base}/accounts/login/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": _csrf(page.text)},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=60,
    )
    if "second-factor" in answer.url:
        if secret is None:
            raise RuntimeError(f"{email} was asked for a second factor")
        for _attempt in range(3):
            done = session.post(
                answer.url,
                data={"code": totp(secret), "csrfmiddlewaretoken": _csrf(answer.text)},
                headers={"Referer": answer.url},
                timeout=60,
            )
            if "second-factor" not in done.url:
                break
            time.sleep(31)  # the code was used already in this 30-second step: the next one
        else:
            raise RuntimeError(f"the second factor of {email} was refused")
    elif "login" in answer.url:
        raise RuntimeError(f"{email} could not sign in")
    return session.cookies.get_dict()


class Target:
    """One installation's signed-in clients and the requests of each page."""

    def __init__(self, inst: Installation, rng: random.Random, queue_pages: int = 20):
        self.inst, self.rng, self.queue_pages = inst, rng, queue_pages
        creds = inst.credentials()
        base, password = inst.base, creds["password"]
        staff = creds["staff"]
        self.applicants = [
            (sign_in(base, p["email"], password), p["case"]) for p in creds["probe_applicants"][:6]
        ]
        caseworker = staff["caseworker:FR"]
        auditor = staff["auditor:FR"]
        bank = creds["verifiers"]["bank:FR"]
        self.caseworker = sign_in(base, caseworker["email"], password, caseworker["totp"])
        time.sleep(0.1)
        self.auditor = sign_in(base, auditor["email"], password, auditor["totp"])
        self.bank = sign_in(base, bank["email"], password, bank["totp"])
        self.cases = creds["console_cases"]
        self.codes = [c for c in creds["share_codes"] if c["purpose"] == "bank"]
        self.payloads = creds["qr_payloads"]
        self.local = threading.local()

    def _session(self, cookies: dict) -> requests.Session:
        sessions = getattr(self.local, "sessions", None)
        if sessions is None:
            sessions = self.local.sessions = {}
        key = tuple(sorted(cookies.items()))
        if key not in sessions:
            session = requests.Session()
            session.cookies.update(cookies)
            # gunicorn closes a connection idle for 2 s (its keep-alive); a GET sent on it just
            # as it closes fails with "connection reset". Browsers send such a GET again on a
            # new connection, and so does this client, once (the time counts the retry). A
            # POST is never sent twice: its failure is counted as an error.
            retry = Retry(total=1, connect=1, read=1, status=0, other=0, allowed_methods={"GET"})
            session.mount("http://", HTTPAdapter(max_retries=retry))
            sessions[key] = session
        return sessions[key]

    def _form_post(self, cookies: dict, path: str, data: dict) -> requests.Response:
        """GET the form (for its CSRF token, not timed), then the timed POST."""
        session = self._session(cookies)
        page = session.get(self.inst.base + path, timeout=60)
        data = {**data, "csrfmiddlewaretoken": _csrf(page.text)}
        started = time.perf_counter()
        answer = session.post(
            self.inst.base + path, data=data, headers={"Referer": self.inst.base + path}
        )
        answer.elapsed_ms = (time.perf_counter() - started) * 1000
        return answer

    def check_code(self, code: dict) -> bool:
        data = {
            "code": code["code"],
            "date_of_birth": code["date_of_birth"],
            "reason": "Opening a current account",
        }
        answer = self._form_post(self.bank, "/verify/share-code/", data)
        return _says_valid(answer)

    def request(self, page: str) -> tuple[float, int]:
        rng, base = self.rng, self.inst.base
        if page in ("share-code check", "qr check"):
            if page == "share-code check":
                code = rng.choice(self.codes)
                data = {
                    "code": code["code"],
                    "date_of_birth": code["date_of_birth"],
                    "reason": "Opening a current account",
                }
                answer = self._form_post(self.bank, "/verify/share-code/", data)
            else:
                payload = rng.choice(self.payloads)["payload"]
                data = {"payload": payload, "reason": "Opening a current account"}
                answer = self._form_post(self.bank, "/verify/qr/", data)
            ok = _says_valid(answer)
            if ok:
                return answer.elapsed_ms, 200
            # A check that answers but not "valid" is an error of the run, never a success.
            return (
                answer.elapsed_ms,
                "not valid" if answer.status_code == 200 else answer.status_code,
            )
        if page in ("dashboard", "case"):
            cookies, case = rng.choice(self.applicants)
            path = "/apply/" if page == "dashboard" else f"/apply/{case}/"
        elif page == "queue":
            cookies = self.caseworker
            path = f"/console/?sort=deadline&page={rng.randint(1, self.queue_pages)}"
        elif page == "console case":
            cookies, path = self.caseworker, f"/console/cases/{rng.choice(self.cases)}/"
        elif page == "audit by case":
            cookies, path = self.auditor, f"/console/audit/?case={rng.choice(self.cases)}"
        elif page == "statistics":
            cookies, path = self.auditor, "/console/statistics/"
        else:
            cookies, path = {}, "/credentials/status/FR/1"
        session = self._session(cookies)
        started = time.perf_counter()
        answer = session.get(base + path, timeout=60, allow_redirects=False)
        return (time.perf_counter() - started) * 1000, answer.status_code


# --- the run ------------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 1))  # nearest rank
    return ordered[int(rank) - 1]


def measure(targets: dict[str, Target], rounds: int, clients: int, seed: int, pages=PAGES) -> dict:
    rng = random.Random(seed)
    plan = [(page, size) for _ in range(rounds) for page in pages for size in targets]
    rng.shuffle(plan)
    times: dict[tuple[str, str], list[float]] = {(p, s): [] for p in pages for s in targets}
    errors: dict[str, int] = {}
    lock = threading.Lock()

    def one(item):
        page, size = item
        try:
            elapsed, status = targets[size].request(page)
        except requests.RequestException as exc:  # counted and reported, not fatal
            elapsed, status = 0.0, type(exc).__name__
        with lock:
            if status == 200:
                times[(page, size)].append(elapsed)
            else:
                key = f"{size} {page} {status}"
                errors[key] = errors.get(key, 0) + 1

    # Warm-up: every page of every size once, not counted; and each share code once, keeping
    # those still in use (a seed made before the probes' codes were kept recent has some
    # that expired, as most codes in a programme have).
    for page in pages:
        for target in targets.values():
            target.request(page)
    for target in targets.values():
        if "share-code check" not in pages:
            break
        target.codes = [code for code in target.codes if target.check_code(code)]
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, plan))
    return {"times": times, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sizes", default="3000,300000", help="applicants per installation")
    parser.add_argument("--reuse", action="store_true", help="keep seeded databases")
    parser.add_argument(
        "--recover",
        action="store_true",
        help="with --reuse: a seeded database without its loadtest.json (a seed stopped after "
        "its data was committed): make new sign-ins and share codes for the load test",
    )
    # 200, not 40: the p95 of 40 requests is their second slowest, and moved by 30-60 ms
    # between two runs of the same code (BENCHMARKS.md, run 5).
    parser.add_argument("--rounds", type=int, default=200, help="requests per page and size")
    parser.add_argument("--clients", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--queue-pages",
        type=int,
        default=20,
        help="the queue's pages asked for, 1 to N (a page past the end shows the last one: "
        "choose N so that every size has N full pages to compare like with like)",
    )
    parser.add_argument(
        "--pages",
        default=",".join(PAGES),
        help="comma-separated subset of the pages to measure (default: all)",
    )
    args = parser.parse_args()
    pages = tuple(p.strip() for p in args.pages.split(",") if p.strip())
    unknown = [p for p in pages if p not in PAGES]
    if unknown or not pages:
        parser.error(f"unknown page(s) {', '.join(unknown) or '(none)'}; choose from {PAGES}")
    sizes = [int(s) for s in args.sizes.split(",")]
    labels = {n: (f"{n // 1000}k" if n % 1000 == 0 else str(n)) for n in sizes}
    installations = {
        labels[n]: Installation(args.server, f"loadtest_{labels[n]}", n, _free_port())
        for n in sizes
    }
    seeding = {}
    for label, inst in installations.items():
        started = time.perf_counter()
        result = inst.prepare(args.reuse, args.recover)
        if result is not None:
            seeding[label] = {"wall_s": time.perf_counter() - started, **result}
    load_before = os.getloadavg()
    try:
        for inst in installations.values():
            inst.start(args.workers, args.threads)
        rng = random.Random(args.seed)
        targets = {
            label: Target(inst, rng, args.queue_pages) for label, inst in installations.items()
        }
        started = time.perf_counter()
        result = measure(targets, args.rounds, args.clients, args.seed, pages)
        wall = time.perf_counter() - started
    finally:
        for inst in installations.values():
            inst.stop()
    load_after = os.getloadavg()
    small, large = labels[sizes[0]], labels[sizes[-1]]
    rows = []
    print(
        f"\n| page | p50 {small} | p95 {small} | p50 {large} | p95 {large} | "
        f"p95 {large}/{small} | p95 < 200 ms | within 1.5x |"
    )
    print("|---|---:|---:|---:|---:|---:|:-:|:-:|")
    for page in pages:
        a, b = result["times"][(page, small)], result["times"][(page, large)]
        if not a or not b:
            print(f"| {page} | no successful request |")
            continue
        row = {
            "page": page,
            "n": [len(a), len(b)],
            f"p50_{small}": _percentile(a, 0.5),
            f"p95_{small}": _percentile(a, 0.95),
            f"p50_{large}": _percentile(b, 0.5),
            f"p95_{large}": _percentile(b, 0.95),
        }
        row["ratio_p95"] = row[f"p95_{large}"] / row[f"p95_{small}"]
        rows.append(row)
        print(
            f"| {page} | {row[f'p50_{small}']:.0f} ms | {row[f'p95_{small}']:.0f} ms | "
            f"{row[f'p50_{large}']:.0f} ms | {row[f'p95_{large}']:.0f} ms | "
            f"{row['ratio_p95']:.2f} | {'yes' if row[f'p95_{large}'] < 200 else 'NO'} | "
            f"{'yes' if row['ratio_p95'] <= 1.5 else 'NO'} |"
        )
    print(
        f"\n{sum(len(v) for v in result['times'].values())} requests in {wall:.0f} s by "
        f"{args.clients} clients; errors: {result['errors'] or 'none'}; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after (1 min), {os.cpu_count()} CPUs"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "web_load.json").write_text(
        json.dumps(
            {
                "args": vars(args),
                "rows": rows,
                "errors": result["errors"],
                "wall_s": wall,
                "load": [load_before, load_after],
                "seeding": seeding,
            },
            indent=1,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
