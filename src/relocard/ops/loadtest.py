"""A synthetic programme of N applicants on PostgreSQL, for load tests (``relocard loadtest seed``).

The few rows a load test signs in with (staff and their authenticator keys, verifier
organisations, an API key, the signing keys, the stand-in evidence files) are made through the
ordinary services, as an operator would make them. Everything else (users, applicants, cases in
every state, their history, evidence rows, decisions, facts, cards with their signed
credentials and status-list slots, trips, share codes, checks and the audit events of all of
it) is generated in memory and written with PostgreSQL's ``COPY`` (psycopg's
``cursor.copy``), inside one transaction: 300,000 applicants take minutes, not hours.

The generated rows are what the services would have written:

* every constraint of the schema holds (``COPY`` checks them all, foreign keys included);
* passport numbers are encrypted with :func:`relocard.common.encrypted_fields.encrypt` and
  indexed with :mod:`relocard.common.person_index`, share codes stored as
  :func:`~relocard.verification.services.share_codes.code_digest`, cards signed with
  :func:`~relocard.cards.credentials.credentials_issue`'s issuers and the member state's key;
* every write has its audit event, made by :func:`relocard.audit.services.audit_event_values`
  (the one hash contract), appended unsealed and then sealed by
  :func:`relocard.audit.services.audit_seal`, the sealer the worker runs: ``relocard audit
  verify`` passes on the seeded database.

Refused (:class:`LoadtestError`, nothing written) on SQLite, on a database that already holds
users or cases, on an installation served over https (production), and on a database whose
name does not say it is for tests (``loadtest`` in it, or starting with ``test``).

The proportions are documented in ``docs/loadtest.md``; the sign-ins and the codes a load test
needs are written to ``RELOCARD_VAR_DIR/loadtest.json`` (readable by its owner only).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from relocard.accounts.factors import totp_secret
from relocard.accounts.models import Applicant, Role, User
from relocard.accounts.services import staff_user_create
from relocard.audit.models import AuditEvent
from relocard.audit.services import EVENT_FIELDS, audit_event_values, audit_seal
from relocard.cards.credentials import base_url, keystore, status_list_uri, vct
from relocard.cards.models import Card, CardCredential, CardStatus, StatusSlot
from relocard.cases.models import (
    Application,
    CaseFacts,
    CaseTransition,
    CorrectionRequest,
    Decision,
    EvidenceItem,
)
from relocard.common.encrypted_fields import encrypt
from relocard.common.person_index import index_secret
from relocard.core.credentials import CardClaims, StatusRef, issue_card_vc, issue_rc1
from relocard.core.identifiers import new_card_number, new_case_reference
from relocard.core.identity.person import name_key, passport_key
from relocard.presence.models import Trip
from relocard.reference.eu27 import PROGRAMME_LAUNCH
from relocard.reference.models import MemberState
from relocard.verification import codes
from relocard.verification.models import CardCheck, ShareCode, VerifierOrganisation
from relocard.verification.services import (
    api_key_create,
    organisation_decide,
    organisation_register,
)
from relocard.verification.services.share_codes import code_digest

__all__ = ["PROPORTIONS", "LoadtestError", "seed"]

DOMAIN = "loadtest.invalid"
CREDENTIALS_FILE = "loadtest.json"
#: Applicants generated and written per COPY round (bounds the memory used).
CHUNK = 20000
#: Applicants who can sign in (one password, hashed once): the load test's applicants.
PROBES = 200

#: The proportions of the synthetic programme (docs/loadtest.md explains them).
PROPORTIONS = {
    "member_state": {"FR": 0.35, "DE": 0.35, "PL": 0.20, "CY": 0.10},
    "state": {
        "draft": 0.05,
        "submitted": 0.07,
        "in_review": 0.09,
        "correction_requested": 0.03,
        "refusal_proposed": 0.01,
        "approval_proposed": 0.01,
        "approved": 0.62,
        "refused": 0.08,
        "withdrawn": 0.04,
    },
    "channel_embassy": 0.10,
    # Of the cards: the rest are active (expired cards follow from the dates).
    "card_suspended": 0.01,
    "card_revoked": 0.01,
    "trips_per_holder": 5,  # mean, Poisson
    "share_code_holders": 0.30,  # holders with codes; 1 to 3 codes each
    "checks_per_code": 1.0,  # mean, Poisson
    "qr_checks_per_holder": 0.5,  # mean, Poisson
    "language_ru": 0.70,
}

#: The workflow moves from a new draft to each state (actions of relocard.core.workflow).
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "in_review": ["submit", "start_review"],
    "correction_requested": ["submit", "start_review", "request_correction"],
    "refusal_proposed": ["submit", "start_review", "propose_refusal"],
    "approval_proposed": ["submit", "start_review", "propose_approval"],
    "approved": ["submit", "start_review", "approve"],
    "refused": ["submit", "start_review", "propose_refusal", "confirm_refusal"],
    "withdrawn": ["submit", "withdraw"],
}
STATE_AFTER = {
    "submit": "submitted",
    "start_review": "in_review",
    "request_correction": "correction_requested",
    "propose_refusal": "refusal_proposed",
    "propose_approval": "approval_proposed",
    "approve": "approved",
    "confirm_refusal": "refused",
    "withdraw": "withdrawn",
}
#: The oldest closed case began this many days ago (open ones within the last 100 days).
OLDEST_CASE_DAYS = 420
#: The programme's keys were made this long ago: before the oldest case (its applicant
#: joined up to three days before beginning it), so every card was signed by a valid signer.
LAUNCHED_BEFORE = timedelta(days=OLDEST_CASE_DAYS + 10)
#: Evidence of a submitted case, in upload order (a draft has the first one or two).
EVIDENCE_KINDS = ["passport", "diploma", "language_certificate", "liquid_assets", "lease_or_deed"]
#: The language certified in each member state (rules: a language of the member state).
LANGUAGE = {"FR": "fr", "DE": "de", "PL": "pl", "CY": "el"}


def _declared(kind: str, ms: str) -> dict:
    """The facts an applicant declares with a document (as ``cases.facts.clean_facts`` keeps
    them); the caseworker verifies them unchanged."""
    return {
        "passport": {"nationality": "RU"},
        "diploma": {"isced_level": 7},
        "language_certificate": {"language": LANGUAGE[ms], "cefr": "B2"},
        "liquid_assets": {"amount_eur": 30000},
        "lease_or_deed": {"tenure": "tenant", "country": ms},
    }[kind]


SURNAMES = [
    ("Иванова", "IVANOVA"),
    ("Смирнов", "SMIRNOV"),
    ("Кузнецова", "KUZNETSOVA"),
    ("Попов", "POPOV"),
    ("Соколова", "SOKOLOVA"),
    ("Лебедев", "LEBEDEV"),
    ("Козлова", "KOZLOVA"),
    ("Новиков", "NOVIKOV"),
]
GIVEN = [
    ("Анна", "ANNA"),
    ("Дмитрий", "DMITRII"),
    ("Мария", "MARIIA"),
    ("Алексей", "ALEKSEI"),
    ("Елена", "ELENA"),
    ("Сергей", "SERGEI"),
]


class LoadtestError(Exception):
    """The seed cannot run here; nothing was written."""


# --- guards ------------------------------------------------------------------------------------


def check_target() -> None:
    """Raise :class:`LoadtestError` unless this is an empty PostgreSQL test database."""
    if connection.vendor != "postgresql":
        raise LoadtestError(
            "the load-test seed needs PostgreSQL (it writes with COPY); set DATABASE_URL to an "
            "empty PostgreSQL database, e.g. postgres://user@host:5432/loadtest_300k"
        )
    if settings.RELOCARD_HTTPS:
        raise LoadtestError(
            "this installation is served over https (a production setting): the load-test "
            "seed runs only on an installation made for load tests"
        )
    name = str(connection.settings_dict.get("NAME") or "")
    if "loadtest" not in name and not name.startswith("test"):
        raise LoadtestError(
            f"the database {name!r} is not named for load tests: use a database whose name "
            "contains 'loadtest' (e.g. loadtest_300k)"
        )
    if User.objects.exists() or Application.objects.exists() or AuditEvent.objects.exists():
        raise LoadtestError(
            f"the database {name!r} is not empty (it has users, cases or audit events): seed "
            "only a new database, migrated with `relocard migrate` and nothing else"
        )


# --- COPY helpers --------------------------------------------------------------------------------


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    elif isinstance(value, datetime):
        value = value.isoformat()
    else:
        value = str(value)
    return '"' + value.replace('"', '""') + '"'


def _copy(cursor, model, columns: list[str], rows) -> int:
    """COPY ``rows`` (tuples in ``columns`` order) into the model's table as CSV."""
    table = model if isinstance(model, str) else model._meta.db_table
    names = ", ".join(f'"{c}"' for c in columns)
    count = 0
    buffer = io.StringIO()
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
        for row in rows:
            buffer.write(",".join(_csv_value(v) for v in row))
            buffer.write("\n")
            count += 1
            if count % 20000 == 0:
                copy.write(buffer.getvalue().encode())
                buffer = io.StringIO()
        copy.write(buffer.getvalue().encode())
    return count


class _Ids:
    """Primary keys handed out in the generator, after what the services already wrote."""

    def __init__(self, model):
        self.model = model
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        self.next = (last or 0) + 1

    def take(self, n: int = 1) -> int:
        first = self.next
        self.next += n
        return first


class _Audit:
    """Audit events as the services write them (the one hash contract), kept for one COPY."""

    def __init__(self):
        self.rows: list[tuple] = []
        self.columns = [f.attname for f in EVENT_FIELDS]

    def add(self, *, actor, action, object_type, object_id, member_state, at, data=None):
        values = audit_event_values(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            member_state=member_state,
            data=data or {},
            at=at,
        )
        self.rows.append(tuple(values[c] for c in self.columns))


class _Actor:
    """What the audit writer reads of a user (id and e-mail) without a model instance."""

    def __init__(self, pk: int, email: str):
        self.pk = pk
        self.email = email

    def get_username(self) -> str:
        return self.email


# --- the part made through the services ------------------------------------------------------


def _totp(user: User) -> str:
    device = TOTPDevice.objects.create(user=user, name="Load test authenticator", confirmed=True)
    return totp_secret(device).replace(" ", "")


def _staff_and_verifiers(password: str) -> dict:
    made: dict = {"staff": {}, "verifiers": {}}

    def staff(role: str, ms: str | None) -> User:
        email = f"{role.replace('_', '.')}{'.' + ms.lower() if ms else ''}@{DOMAIN}"
        user = staff_user_create(
            actor=None, email=email, password=password, role=role, member_state=ms
        )
        made["staff"][f"{role}:{ms or ''}"] = {"email": email, "totp": _totp(user), "id": user.pk}
        return user

    admin = staff(Role.PROGRAMME_ADMIN, None)
    for ms in PROGRAMME_LAUNCH:
        staff(Role.CASEWORKER, ms)
        staff(Role.SUPERVISOR, ms)
        staff(Role.AUDITOR, ms)
    staff(Role.CONSULAR_OFFICER, "FR")
    for ms in PROGRAMME_LAUNCH:
        for kind in ("bank", "letting_agent"):
            email = f"{kind.replace('_', '.')}.{ms.lower()}@{DOMAIN}"
            user = organisation_register(
                email=email,
                password=password,
                name=f"Load-test {kind.replace('_', ' ')} {ms}",
                kind=kind,
                country=ms,
                registration_number=f"LT-{ms}-{kind}",
            )
            organisation = VerifierOrganisation.objects.get(memberships__user=user)
            organisation_decide(actor=admin, organisation=organisation, status="approved")
            entry = {
                "email": email,
                "totp": _totp(user),
                "id": user.pk,
                "organisation": organisation.pk,
                "kind": kind,
                "member_state": ms,
            }
            if kind == "bank":
                _key, entry["api_key"] = api_key_create(actor=user, name="Load test")
            made["verifiers"][f"{kind}:{ms}"] = entry
    return made


def _stand_in_files() -> dict[str, tuple[str, int, str]]:
    """One small encrypted file per evidence kind, shared by every seeded evidence row."""
    storage = storages["evidence"]
    files = {}
    for kind in EVIDENCE_KINDS:
        body = (
            b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]"
            b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n% load-test stand-in: "
            + kind.encode()
            + b"\n"
        )
        name = storage.save(f"loadtest/{kind}.pdf", ContentFile(body))
        files[kind] = (name, len(body), hashlib.sha256(body).hexdigest())
    return files


# --- the generator -----------------------------------------------------------------------------


def seed(
    *, applicants: int, seed: int = 2026, echo: Callable[[str], None] = lambda s: None
) -> dict:
    """Fill the empty, migrated PostgreSQL database with ``applicants`` synthetic applicants.

    Returns counts and seconds per step; raises :class:`LoadtestError` before writing anything
    when the target is wrong.
    """
    if applicants < 1:
        raise LoadtestError("--applicants must be 1 or more")
    check_target()
    timings: dict[str, float] = {}
    counts: dict[str, int] = {}
    started = time.perf_counter()
    password = secrets.token_urlsafe(12)
    now = datetime.now(UTC).replace(microsecond=0)
    with transaction.atomic():
        made = _staff_and_verifiers(password)
        # The keys date from the programme's launch, before the oldest case: a card is signed
        # when it was decided (months ago), and a signature made before the signer's
        # certificate was valid makes the card "not genuine" (as it should).
        keystore().ensure_programme(now=now - LAUNCHED_BEFORE)
        for ms in PROGRAMME_LAUNCH:
            keystore().ensure_member_state(ms, now=now - LAUNCHED_BEFORE)
        files = _stand_in_files()
    timings["services (staff, verifiers, keys, files)"] = time.perf_counter() - started
    echo(f"  staff, verifiers, keys: {timings['services (staff, verifiers, keys, files)']:.1f} s")

    rng = np.random.default_rng(seed)
    with transaction.atomic(), connection.cursor() as cursor:
        # Foreign keys checked row by row as COPY writes, not all at COMMIT (Django declares
        # them deferrable: a queue of millions of deferred checks is slower and holds memory).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        probes = _generate(
            cursor, applicants, rng, now, made, files, password, counts, timings, echo
        )
        step = time.perf_counter()
        for model in (
            User,
            Applicant,
            Application,
            CaseTransition,
            EvidenceItem,
            CorrectionRequest,
            Decision,
            CaseFacts,
            StatusSlot,
            Card,
            CardCredential,
            Trip,
            ShareCode,
            CardCheck,
            AuditEvent,
        ):
            table = model._meta.db_table
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"  # noqa: S608 - the models' own table names
            cursor.execute(sql)
        timings["sequences"] = time.perf_counter() - step
    path = settings.VAR_DIR / CREDENTIALS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(
            {"applicants": applicants, "password": password, **made, **probes},
            handle,
            indent=1,
            ensure_ascii=False,
        )
    step = time.perf_counter()
    sealed = 0
    while True:
        batch = audit_seal(max_blocks=50)
        sealed += batch
        if not batch:
            break
    timings["audit sealed (audit_seal)"] = time.perf_counter() - step
    echo(f"  audit events sealed: {sealed} in {timings['audit sealed (audit_seal)']:.1f} s")
    step = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM as well as ANALYZE: rows written by COPY are not yet marked all-visible, so
        # until a vacuum passes the planner's index-only scans still visit the table. A
        # freshly restored or seeded database should be measured as it will run, after
        # autovacuum has been through (and some servers run without it).
        cursor.execute("VACUUM (ANALYZE)")
    timings["vacuum analyze"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    return {"counts": counts, "seconds": timings, "credentials": str(path)}


def _pick(rng, table: dict, n: int) -> np.ndarray:
    keys = list(table)
    weights = np.array([table[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), n, p=weights / weights.sum())]


def _generate(cursor, n, rng, now, made, files, password, counts, timings, echo) -> dict:
    step = time.perf_counter()
    user_ids, applicant_ids, case_ids = _Ids(User), _Ids(Applicant), _Ids(Application)
    transition_ids, evidence_ids = _Ids(CaseTransition), _Ids(EvidenceItem)
    correction_ids, decision_ids = _Ids(CorrectionRequest), _Ids(Decision)
    facts_ids, slot_ids, card_ids = _Ids(CaseFacts), _Ids(StatusSlot), _Ids(Card)
    credential_ids, trip_ids = _Ids(CardCredential), _Ids(Trip)
    code_ids, check_ids = _Ids(ShareCode), _Ids(CardCheck)
    audit = _Audit()
    secret = index_secret()
    staff = made["staff"]
    consular = _Actor(staff["consular_officer:FR"]["id"], staff["consular_officer:FR"]["email"])
    caseworker = {
        ms: _Actor(staff[f"caseworker:{ms}"]["id"], staff[f"caseworker:{ms}"]["email"])
        for ms in PROGRAMME_LAUNCH
    }
    supervisor = {
        ms: _Actor(staff[f"supervisor:{ms}"]["id"], staff[f"supervisor:{ms}"]["email"])
        for ms in PROGRAMME_LAUNCH
    }
    decision_days = dict(MemberState.objects.values_list("code", "decision_days"))
    appeal_days = dict(MemberState.objects.values_list("code", "appeal_days"))
    today = now.date()
    probe_hash = make_password(password)
    no_password = make_password(None)

    member_state = _pick(rng, PROPORTIONS["member_state"], n)
    state = _pick(rng, PROPORTIONS["state"], n)
    # The first probes are approved card holders in every member state, for the checks.
    probes = min(PROBES, n)
    state[: probes // 2] = "approved"
    # Then one case in each state, so that even a tiny seed has them all.
    every = list(PROPORTIONS["state"])
    if n >= probes // 2 + len(every):
        state[probes // 2 : probes // 2 + len(every)] = every
    embassy = rng.random(n) < PROPORTIONS["channel_embassy"]
    language = np.where(rng.random(n) < PROPORTIONS["language_ru"], "ru", "en")
    # Cases begin over the programme's first 420 days; open ones are recent.
    open_state = np.isin(state, ["draft", "submitted", "in_review", "correction_requested"])
    age_days = np.where(open_state, rng.integers(2, 100, n), rng.integers(40, OLDEST_CASE_DAYS, n))
    surname_pick = rng.integers(0, len(SURNAMES), n)
    given_pick = rng.integers(0, len(GIVEN), n)
    birth = rng.integers(0, 365 * 40, n)
    trips_per = rng.poisson(PROPORTIONS["trips_per_holder"], n)
    code_count = np.where(
        rng.random(n) < PROPORTIONS["share_code_holders"], rng.integers(1, 4, n), 0
    )
    organisations = list(made["verifiers"].values())

    users, applicants_rows, cases, transitions, evidence, corrections = [], [], [], [], [], []
    decisions, facts, slots, cards, credentials, trips, share_codes, checks = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    used_slots: dict[str, set[int]] = {ms: set() for ms in PROGRAMME_LAUNCH}
    references: set[str] = set()
    probe_out = {"probe_applicants": [], "share_codes": [], "qr_payloads": [], "console_cases": []}
    sample_every = max(1, n // 2000)
    signers = {ms: keystore().ensure_member_state(ms) for ms in PROGRAMME_LAUNCH}
    the_vct, issuer = vct(), base_url()

    def later(at: datetime, low_hours: int, high_hours: int) -> datetime:
        return at + timedelta(hours=int(rng.integers(low_hours, high_hours)))

    plan = [
        (
            User,
            [
                "id",
                "password",
                "is_superuser",
                "email",
                "role",
                "member_state_id",
                "preferred_language",
                "is_active",
                "is_staff",
                "date_joined",
            ],
            users,
        ),
        (
            Applicant,
            [
                "id",
                "user_id",
                "surname_cyrillic",
                "given_names_cyrillic",
                "surname_latin",
                "given_names_latin",
                "date_of_birth",
                "nationality",
                "passport_number",
                "passport_expiry",
                "passport_index",
                "name_index",
                "safe_mode",
                "created_at",
                "updated_at",
            ],
            applicants_rows,
        ),
        (
            Application,
            [
                "id",
                "reference",
                "applicant_id",
                "member_state_id",
                "channel",
                "state",
                "stage",
                "cycle",
                "created_by_id",
                "created_at",
                "submitted_at",
                "decided_at",
                "decision_due",
                "clock_paused_at",
                "version",
                "last_submission_token",
            ],
            cases,
        ),
        (
            CaseTransition,
            ["id", "application_id", "cycle", "from_state", "to_state", "actor_id", "at", "reason"],
            transitions,
        ),
        (
            EvidenceItem,
            [
                "id",
                "application_id",
                "cycle",
                "kind",
                "file",
                "content_type",
                "size",
                "sha256",
                "declared",
                "verified_facts",
                "expires_on",
                "status",
                "uploaded_by_id",
                "uploaded_at",
                "reviewed_by_id",
                "reviewed_at",
                "review_note",
                "replaces_id",
            ],
            evidence,
        ),
        (
            CorrectionRequest,
            [
                "id",
                "application_id",
                "cycle",
                "requested_by_id",
                "requested_at",
                "message",
                "kinds",
                "answered_at",
                "answer",
            ],
            corrections,
        ),
        (
            Decision,
            [
                "id",
                "application_id",
                "cycle",
                "stage",
                "outcome",
                "status",
                "proposed_by_id",
                "proposed_at",
                "confirmed_by_id",
                "confirmed_at",
                "reasons",
                "summary",
                "appeal_deadline",
                "return_reason",
                "evaluation",
                "exceptions",
                "identity",
            ],
            decisions,
        ),
        (
            CaseFacts,
            [
                "id",
                "application_id",
                "cycle",
                "nationality",
                "isced_level",
                "languages",
                "employment",
                "housing_tenure",
                "housing_country",
                "liquid_assets_eur",
                "expires_on",
                "updated_at",
            ],
            facts,
        ),
        (StatusSlot, ["id", "member_state_id", "index"], slots),
        (
            Card,
            [
                "id",
                "number",
                "application_id",
                "applicant_id",
                "member_state_id",
                "cycle",
                "valid_from",
                "valid_until",
                "valid_until_reason",
                "status",
                "status_list_index",
                "issued_at",
                "status_changed_at",
                "status_reason",
            ],
            cards,
        ),
        (
            CardCredential,
            ["id", "card_id", "format", "kind", "kid", "payload", "issued_at"],
            credentials,
        ),
        (
            Trip,
            [
                "id",
                "applicant_id",
                "left",
                "returned",
                "destination",
                "source",
                "evidence_id",
                "created_by_id",
                "created_at",
                "updated_at",
            ],
            trips,
        ),
        (
            ShareCode,
            [
                "id",
                "holder_id",
                "card_id",
                "purpose",
                "digest",
                "created_at",
                "expires_at",
                "revoked_at",
                "failures",
                "locked_at",
            ],
            share_codes,
        ),
        (
            CardCheck,
            [
                "id",
                "check_id",
                "organisation_id",
                "checked_by_id",
                "api_key_id",
                "method",
                "purpose",
                "reason",
                "share_code_id",
                "card_id",
                "result",
                "detail",
                "member_state",
                "valid_until",
                "checked_at",
            ],
            checks,
        ),
    ]
    audit_columns = ", ".join(f'"{c}"' for c in audit.columns)
    cursor.execute(
        f"CREATE TEMP TABLE loadtest_audit ON COMMIT DROP AS SELECT {audit_columns} "  # noqa: S608 - the model's own columns
        f"FROM {AuditEvent._meta.db_table} WITH NO DATA"
    )

    def flush() -> None:
        started = time.perf_counter()
        for model, columns, rows in plan:
            label = model._meta.label_lower
            counts[label] = counts.get(label, 0) + _copy(cursor, model, columns, rows)
            rows.clear()
        _copy(cursor, "loadtest_audit", audit.columns, audit.rows)
        audit.rows.clear()
        timings["COPY"] = timings.get("COPY", 0.0) + time.perf_counter() - started

    for i in range(n):
        ms = str(member_state[i])
        target = str(state[i])
        uid, aid, cid = user_ids.take(), applicant_ids.take(), case_ids.take()
        email = f"applicant{i}@{DOMAIN}"
        begun = now - timedelta(days=int(age_days[i]), hours=int(rng.integers(0, 24)))
        joined = begun - timedelta(hours=int(rng.integers(1, 72)))
        users.append(
            (
                uid,
                probe_hash if i < probes else no_password,
                False,
                email,
                "applicant",
                None,
                str(language[i]),
                True,
                False,
                joined,
            )
        )
        user = _Actor(uid, email)
        audit.add(
            actor=user,
            action="account.registered",
            object_type="accounts.user",
            object_id=uid,
            member_state="",
            at=joined,
        )
        surname_c, surname_l = SURNAMES[surname_pick[i]]
        given_c, given_l = GIVEN[given_pick[i]]
        dob = date(1966, 1, 1) + timedelta(days=int(birth[i]))
        passport = f"7{i:08d}"
        passport_expiry = date(2031, 1, 1) + timedelta(days=int(i % 1500))
        applicants_rows.append(
            (
                aid,
                uid,
                surname_c,
                given_c,
                surname_l,
                given_l,
                dob,
                "RU",
                encrypt(passport, purpose="accounts.applicant.passport_number"),
                passport_expiry,
                passport_key(secret, nationality="RU", number=passport),
                name_key(secret, surname=surname_l, given_names=given_l, date_of_birth=dob),
                bool(i % 5 != 0),
                joined,
                joined,
            )
        )
        audit.add(
            actor=user,
            action="applicant.created",
            object_type="accounts.applicant",
            object_id=aid,
            member_state="",
            at=joined,
        )
        reference = new_case_reference(ms)
        while reference in references:
            reference = new_case_reference(ms)
        references.add(reference)
        opener = consular if embassy[i] and ms == "FR" else user
        channel = "embassy" if opener is consular else "online"
        transitions.append((transition_ids.take(), cid, 1, "", "draft", opener.pk, begun, ""))
        audit.add(
            actor=opener,
            action="case.started",
            object_type="cases.application",
            object_id=cid,
            member_state=ms,
            at=begun,
            data={"channel": channel},
        )
        # Evidence: a draft has one or two documents, a submitted case all five.
        kinds = EVIDENCE_KINDS if target != "draft" else EVIDENCE_KINDS[: 1 + i % 2]
        at = begun
        evidence_of_case = []
        for kind in kinds:
            at = later(at, 1, 30)
            eid = evidence_ids.take()
            name, size, sha = files[kind]
            expires = {
                "passport": passport_expiry,
                "language_certificate": at.date() + timedelta(days=900),
                "lease_or_deed": at.date() + timedelta(days=int(rng.integers(300, 800))),
            }.get(kind)
            declared = _declared(kind, ms)
            evidence_of_case.append((eid, kind, declared, expires, name, size, sha, at))
            audit.add(
                actor=opener,
                action="evidence.added",
                object_type="cases.evidenceitem",
                object_id=eid,
                member_state=ms,
                at=at,
                data={"case": reference, "kind": kind},
            )
        submitted = decided = None
        decision_due = None
        paused = None
        version = 1
        current = "draft"
        reviewer = caseworker[ms]
        for action in PATHS[target]:
            at = later(at, 2, 24 * (12 if action in ("approve", "propose_refusal") else 4))
            at = min(at, now - timedelta(minutes=5))
            before = current
            after = STATE_AFTER[action]
            actor = {
                "submit": opener,
                "withdraw": user,
                "confirm_refusal": supervisor[ms],
            }.get(action, reviewer)
            if action == "submit":
                submitted = at
                decision_due = at.date() + timedelta(days=decision_days.get(ms, 90))
            if action == "request_correction":
                paused = at
                corrections.append(
                    (
                        correction_ids.take(),
                        cid,
                        1,
                        reviewer.pk,
                        at,
                        "Please upload a clearer copy of your diploma.",
                        ["diploma"],
                        None,
                        "",
                    )
                )
            if action in ("approve", "confirm_refusal"):
                decided = at
            if action == "withdraw":
                paused = None
            transitions.append((transition_ids.take(), cid, 1, before, after, actor.pk, at, ""))
            audit.add(
                actor=actor,
                action=f"case.{action}",
                object_type="cases.application",
                object_id=cid,
                member_state=ms,
                at=at,
                data={"from": before, "to": after, "cycle": 1},
            )
            current = after
            version += 1
        reviewed = target in ("approved", "refused", "refusal_proposed", "approval_proposed")
        for eid, kind, declared, expires, name, size, sha, up in evidence_of_case:
            status = "pending"
            reviewed_at = None
            if reviewed:
                status = (
                    "rejected" if target.startswith("refus") and kind == "diploma" else "verified"
                )
                reviewed_at = up + timedelta(days=3)
            evidence.append(
                (
                    eid,
                    cid,
                    1,
                    kind,
                    name,
                    "application/pdf",
                    size,
                    sha,
                    declared,
                    declared if status == "verified" else {},
                    expires,
                    status,
                    opener.pk,
                    up,
                    reviewer.pk if reviewed else None,
                    reviewed_at,
                    "Illegible." if status == "rejected" else "",
                    None,
                )
            )
        if target in ("refusal_proposed", "refused"):
            proposed = at if target == "refusal_proposed" else at - timedelta(hours=20)
            did = decision_ids.take()
            decisions.append(
                (
                    did,
                    cid,
                    1,
                    "issuance",
                    "refuse",
                    "confirmed" if target == "refused" else "proposed",
                    reviewer.pk,
                    proposed,
                    supervisor[ms].pk if target == "refused" else None,
                    at if target == "refused" else None,
                    {"education": "The diploma could not be verified."},
                    "Refused: the education criterion is not met.",
                    (at.date() + timedelta(days=appeal_days.get(ms, 30)))
                    if target == "refused"
                    else None,
                    "",
                    {},
                    {},
                    {},
                )
            )
            audit.add(
                actor=reviewer,
                action="decision.refusal_proposed",
                object_type="cases.decision",
                object_id=did,
                member_state=ms,
                at=proposed,
                data={"case": reference},
            )
            if target == "refused":
                audit.add(
                    actor=supervisor[ms],
                    action="decision.refusal_confirmed",
                    object_type="cases.decision",
                    object_id=did,
                    member_state=ms,
                    at=at,
                    data={"case": reference},
                )
        if target in ("approval_proposed", "approved"):
            did = decision_ids.take()
            with_exception = target == "approval_proposed"
            decisions.append(
                (
                    did,
                    cid,
                    1,
                    "issuance",
                    "approve",
                    "proposed" if with_exception else "confirmed",
                    reviewer.pk,
                    at,
                    None,
                    None if with_exception else at,
                    {},
                    "Every criterion is met.",
                    None,
                    "",
                    {},
                    {"language": "Certificate accepted pending its renewal."}
                    if with_exception
                    else {},
                    {},
                )
            )
            audit.add(
                actor=reviewer,
                action="decision.approval_proposed" if with_exception else "decision.approved",
                object_type="cases.decision",
                object_id=did,
                member_state=ms,
                at=at,
                data={"case": reference},
            )
        if reviewed:
            facts.append(
                (
                    facts_ids.take(),
                    cid,
                    1,
                    "RU",
                    None if target.startswith("refus") else 7,
                    f"{LANGUAGE[ms]}:B2",
                    "",
                    "tenant",
                    ms,
                    "30000.00",
                    min(e[3] for e in evidence_of_case if e[3] is not None),
                    at,
                )
            )
        cases.append(
            (
                cid,
                reference,
                aid,
                ms,
                channel,
                target,
                "issuance",
                1,
                opener.pk,
                begun,
                submitted,
                decided,
                decision_due,
                paused,
                version,
                "",
            )
        )
        if ms == "FR" and target in PATHS and i % sample_every == 0:
            # Cases of one member state, spread over the whole set, for the staff pages.
            probe_out["console_cases"].append(reference)
        if target != "approved":
            if i < probes:
                probe_out["probe_applicants"].append({"email": email, "case": reference})
            continue
        # The card, signed as credentials_issue signs it, and its status-list slot.
        kid = card_ids.take()
        valid_from = decided.date()
        valid_until = valid_from + timedelta(days=364)
        roll = rng.random()
        status = CardStatus.ACTIVE
        changed = None
        if valid_until < today:
            status, changed = CardStatus.EXPIRED, now - timedelta(days=1)
        elif roll < PROPORTIONS["card_suspended"]:
            status, changed = CardStatus.SUSPENDED, later(decided, 24, 24 * 30)
        elif roll < PROPORTIONS["card_suspended"] + PROPORTIONS["card_revoked"]:
            status, changed = CardStatus.REVOKED, later(decided, 24, 24 * 30)
        if changed is not None:
            changed = min(changed, now - timedelta(minutes=1))
        index = int(rng.integers(0, 1 << 20))
        while index in used_slots[ms]:
            index = int(rng.integers(0, 1 << 20))
        used_slots[ms].add(index)
        slots.append((slot_ids.take(), ms, index))
        number = new_card_number(ms)
        cards.append(
            (
                kid,
                number,
                cid,
                aid,
                ms,
                1,
                valid_from,
                valid_until,
                "card_year",
                status,
                index,
                decided,
                changed,
                "" if changed is None or status == "expired" else "Load-test status change.",
            )
        )
        audit.add(
            actor=reviewer,
            action="card.issued",
            object_type="cards.card",
            object_id=kid,
            member_state=ms,
            at=decided,
            data={"case": reference, "valid_from": valid_from, "valid_until": valid_until},
        )
        claims = CardClaims(
            card_number=number,
            family_name=surname_l,
            given_name=given_l,
            date_of_birth=dob.isoformat(),
            member_state=ms,
            valid_from=valid_from,
            valid_until=valid_until,
            status=StatusRef(idx=index, uri=status_list_uri(ms)),
            kind="card",
        )
        signer = signers[ms]
        rc1 = issue_rc1(claims, signer, issued_at=decided)
        credentials.append(
            (credential_ids.take(), kid, "rc1", "card", signer.kid_text, rc1, decided)
        )
        credentials.append(
            (
                credential_ids.take(),
                kid,
                "sd_jwt_vc",
                "card",
                signer.kid_text,
                issue_card_vc(claims, signer, vct=the_vct, issuer=issuer, issued_at=decided),
                decided,
            )
        )
        if i < probes:
            probe_out["probe_applicants"].append({"email": email, "case": reference, "card": kid})
            if status == CardStatus.ACTIVE:
                probe_out["qr_payloads"].append({"payload": rc1, "member_state": ms})
        # Trips since the card began.
        span = max((min(today, valid_until) - valid_from).days, 1)
        for _t in range(int(trips_per[i])):
            left = valid_from + timedelta(days=int(rng.integers(0, span)))
            back = left + timedelta(days=int(rng.geometric(0.25)))
            open_trip = back > today
            tid = trip_ids.take()
            returned = None if open_trip else back
            declared_at = datetime.combine(left, datetime.min.time(), UTC) - timedelta(days=3)
            trips.append(
                (tid, aid, left, returned, "", "declared", None, uid, declared_at, declared_at)
            )
            audit.add(
                actor=user,
                action="trip.declared",
                object_type="presence.trip",
                object_id=tid,
                member_state="",
                at=declared_at,
                data={"left": left, "returned": returned, "schengen": False},
            )
        # Share codes and the checks made with them; QR checks of the card.
        usable = status == CardStatus.ACTIVE
        for c in range(int(code_count[i]) if usable else 0):
            org = organisations[int(rng.integers(0, len(organisations)))]
            purpose = "bank" if org["kind"] == "bank" else "rent"
            created = min(later(decided, 24, 24 * 200), now - timedelta(hours=2))
            if i < probes and c == 0:  # the load test's codes are in use (most are expired)
                created = max(decided, now - timedelta(hours=int(rng.integers(2, 24 * 30))))
            code = codes.new_share_code(purpose)
            sid = code_ids.take()
            share_codes.append(
                (
                    sid,
                    aid,
                    kid,
                    purpose,
                    code_digest(code),
                    created,
                    created + timedelta(days=settings.RELOCARD_SHARE_CODE_DAYS),
                    None,
                    0,
                    None,
                )
            )
            audit.add(
                actor=user,
                action="share_code.created",
                object_type="verification.sharecode",
                object_id=sid,
                member_state=ms,
                at=created,
                data={
                    "purpose": purpose,
                    "card": kid,
                    "expires": created + timedelta(days=settings.RELOCARD_SHARE_CODE_DAYS),
                },
            )
            if i < probes and c == 0:
                probe_out["share_codes"].append(
                    {
                        "code": code,
                        "date_of_birth": dob.isoformat(),
                        "purpose": purpose,
                        "member_state": ms,
                    }
                )
            for _k in range(int(rng.poisson(PROPORTIONS["checks_per_code"]))):
                checked = min(later(created, 1, 24 * 30), now - timedelta(minutes=30))
                checks.append(
                    _check_row(
                        check_ids.take(),
                        org,
                        "share_code",
                        purpose,
                        sid,
                        kid,
                        ms,
                        valid_until,
                        checked,
                    )
                )
                _audit_check(audit, org, "share_code", checks[-1][1], ms, checked, purpose)
        for _q in range(int(rng.poisson(PROPORTIONS["qr_checks_per_holder"])) if usable else 0):
            org = organisations[int(rng.integers(0, len(organisations)))]
            checked = min(later(decided, 24, 24 * 300), now - timedelta(minutes=30))
            purpose = "bank" if org["kind"] == "bank" else "rent"
            checks.append(
                _check_row(
                    check_ids.take(), org, "qr", purpose, None, kid, ms, valid_until, checked
                )
            )
            _audit_check(audit, org, "qr", checks[-1][1], ms, checked, purpose)
        if (i + 1) % CHUNK == 0:
            flush()
            echo(f"  {i + 1} applicants written...")
    flush()
    timings["generate, sign and COPY"] = time.perf_counter() - step
    step = time.perf_counter()
    # The audit log in time order, as the events happened (ids from the table's sequence).
    cursor.execute(
        f"INSERT INTO {AuditEvent._meta.db_table} ({audit_columns}) "  # noqa: S608 - as above
        f"SELECT {audit_columns} FROM loadtest_audit ORDER BY at"
    )
    counts["audit.auditevent"] = cursor.rowcount
    timings["audit events in time order"] = time.perf_counter() - step
    echo(f"  written: {counts}")
    return probe_out


def _audit_check(audit, org, method, check_id, ms, checked, purpose) -> None:
    """The audit event a verifier's valid check writes (``verification.<method>_check``)."""
    audit.add(
        actor=_Actor(org["id"], org["email"]),
        action=f"verification.{method}_check",
        object_type="verification.cardcheck",
        object_id=check_id,
        member_state=ms,
        at=checked,
        data={
            "organisation": org["organisation"],
            "api_key": None,
            "purpose": purpose,
            "result": "valid",
        },
    )


def _check_row(pk, org, method, purpose, share_code, card, ms, valid_until, checked):
    return (
        pk,
        codes.new_check_id(),
        org["organisation"],
        org["id"],
        None,
        method,
        purpose,
        "Opening an account" if purpose == "bank" else "Renting a flat",
        share_code,
        card,
        "valid",
        "",
        ms,
        valid_until,
        checked,
    )
