"""Shared fixtures: users of every role, applicants, cases in any state, evidence files."""

from __future__ import annotations

import functools
import io
import itertools
import os
import secrets
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from fpdf import FPDF
from hypothesis import HealthCheck, settings
from PIL import Image

# Speed is measured in bench/, never in tests: on a shared, loaded machine Hypothesis's
# per-example deadline (200 ms) and its "too slow" health check fail tests that are correct.
settings.register_profile("relocard", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("relocard")

_counter = itertools.count(1)


@functools.cache
def pdf_bytes(text: str = "test document") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 100, 50)).save(out, "PNG")
    return out.getvalue()


def upload(
    content: bytes | None = None, name: str = "scan.pdf", content_type: str = "application/pdf"
):
    return SimpleUploadedFile(
        name, pdf_bytes() if content is None else content, content_type=content_type
    )


PROFILE = {
    "surname_cyrillic": "Иванова",
    "given_names_cyrillic": "Анна Сергеевна",
    "surname_latin": "IVANOVA",
    "given_names_latin": "ANNA",
    "date_of_birth": date(1990, 4, 27),
    "nationality": "RU",
    "passport_expiry": date.today() + timedelta(days=2000),
    "safe_mode": False,
}


@pytest.fixture
def member_states(db):
    """The EU-27 reference data (a data migration loads it; transactional tests flush it)."""
    from relocard.reference.eu27 import EU27, PROGRAMME_LAUNCH
    from relocard.reference.models import MemberState

    if MemberState.objects.count() != len(EU27):
        for code, en, ru, tz in EU27:
            MemberState.objects.update_or_create(
                code=code,
                defaults={
                    "name_en": en,
                    "name_ru": ru,
                    "timezone": tz,
                    "programme_enabled": code in PROGRAMME_LAUNCH,
                },
            )


# --- the second factor in tests ---------------------------------------------------------------


def totp_device(user):
    """The user's confirmed authenticator app; made (with a random key) if they have none."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test app", confirmed=True)
    return device


def totp_code(device) -> str:
    """A code the device accepts now: the current one, or the next if the current was used
    (django-otp refuses a code twice; it accepts one step ahead)."""
    import base64
    import time

    import pyotp

    device.refresh_from_db()
    secret = base64.b32encode(device.bin_key).decode()
    totp = pyotp.TOTP(secret, interval=device.step, digits=device.digits)
    while True:
        now = time.time()
        step = int((now - device.t0) // device.step)
        if step + 1 > device.last_t:
            use = max(step, device.last_t + 1)
            return totp.at(device.t0 + use * device.step)
        time.sleep(1)


def pass_second_factor(client, user) -> None:
    """Mark the session of a signed-in test client as having passed the second factor just now
    (and the password: as right after a full sign-in). The one way tests do it."""
    import time

    from django_otp import DEVICE_ID_SESSION_KEY

    from relocard.accounts import sessions

    device = totp_device(user)
    session = client.session
    now = time.time()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[sessions.PASSWORD_AT] = now
    session[sessions.FACTOR_AT] = now
    session.save()


class SecondFactorClient(Client):
    """The test client: ``force_login`` signs in as after password and second factor, unless
    ``second_factor=False`` (a session that has given the password only)."""

    def force_login(self, user, backend=None, second_factor: bool = True):
        super().force_login(user, backend)
        if second_factor:
            pass_second_factor(self, user)


@pytest.fixture
def client():
    return SecondFactorClient()


@pytest.fixture
def make_user(db, member_states):
    from relocard.accounts.models import Role, User

    def make(role: str = Role.APPLICANT, member_state: str | None = None, **extra) -> User:
        n = next(_counter)
        # Tests read pages in English unless they choose otherwise (staff would otherwise
        # read their member state's language: tests/accounts/test_languages.py).
        extra.setdefault("preferred_language", "en")
        if role not in (Role.APPLICANT, Role.PROGRAMME_ADMIN) and member_state is None:
            member_state = "FR"
        user = User.objects.create_user(
            f"{role}{n}@example.test",
            "a-long-test-password",
            role=role,
            member_state_id=member_state,
            is_staff=role == Role.PROGRAMME_ADMIN,
            **extra,
        )
        if role != Role.APPLICANT:
            totp_device(user)  # staff sign in with a second factor
        return user

    return make


@pytest.fixture
def make_applicant(make_user):
    from relocard.accounts.services import applicant_profile_save

    def make(**overrides):
        user = make_user()
        n = next(_counter)
        # A different person each time: a passport number and a date of birth of their own
        # (the same name and date of birth would be one person to duplicate detection).
        data = {
            **PROFILE,
            "passport_number": f"75{n:07d}",
            "date_of_birth": PROFILE["date_of_birth"] + timedelta(days=n % 3000),
            **overrides,
        }
        return applicant_profile_save(actor=user, user=user, data=data)

    return make


@pytest.fixture
def staff(make_user):
    """One user per staff role in FR, and a caseworker and supervisor in DE."""
    from relocard.accounts.models import Role

    return {
        "consular_officer": make_user(Role.CONSULAR_OFFICER, "FR"),
        "caseworker": make_user(Role.CASEWORKER, "FR"),
        "supervisor": make_user(Role.SUPERVISOR, "FR"),
        "supervisor2": make_user(Role.SUPERVISOR, "FR"),
        "auditor": make_user(Role.AUDITOR, "FR"),
        "programme_admin": make_user(Role.PROGRAMME_ADMIN, None),
        "caseworker_de": make_user(Role.CASEWORKER, "DE"),
        "supervisor_de": make_user(Role.SUPERVISOR, "DE"),
    }


GOOD_EVIDENCE = [
    ("passport", {"passport-nationality": "RU"}),
    ("diploma", {"diploma-isced_level": "7"}),
    (
        "language_certificate",
        {"language_certificate-language": "fr", "language_certificate-cefr": "B2"},
    ),
    ("liquid_assets", {"liquid_assets-amount_eur": "30000"}),
]
#: Good evidence but no language certificate: the language criterion is "not yet known", so
#: the case can be approved only with an exception (four eyes).
NO_LANGUAGE_EVIDENCE = [e for e in GOOD_EVIDENCE if e[0] != "language_certificate"]


@pytest.fixture
def make_case(make_applicant, staff):
    """A case driven to ``state`` through the services, with good evidence."""
    from relocard.cases import services as cs

    def make(
        state: str = "draft", member_state: str = "FR", evidence=GOOD_EVIDENCE, verify: bool = True
    ):
        applicant = make_applicant()
        user = applicant.user
        app = cs.application_start(actor=user, applicant=applicant, member_state_code=member_state)
        for kind, facts in evidence:
            cs.evidence_add(
                actor=user, application=app, kind=kind, upload=upload(), facts_data=facts
            )
        if state == "draft":
            return app
        cw = staff["caseworker"] if member_state == "FR" else staff["caseworker_de"]
        sup = staff["supervisor"] if member_state == "FR" else staff["supervisor_de"]
        if state == "withdrawn":
            cs.application_withdraw(actor=user, application=app)
            app.refresh_from_db()
            return app
        cs.application_submit(actor=user, application=app, token=secrets.token_hex(8))
        app.refresh_from_db()
        if state == "submitted":
            return app
        cs.application_start_review(actor=cw, application=app, version=app.version)
        app.refresh_from_db()
        if verify:
            for item in app.evidence.all():
                data = {f"review-{item.pk}-{k}": v for k, v in item.declared.items()}
                cs.evidence_review(actor=cw, evidence=item, status="verified", facts_data=data)
        if state == "in_review":
            return app
        if state == "correction_requested":
            cs.correction_request(
                actor=cw,
                application=app,
                message="Add a lease.",
                kinds=["lease_or_deed"],
                version=app.version,
            )
        elif state == "approved":
            cs.application_approve(actor=cw, application=app, version=app.version)
        elif state == "approval_proposed":
            from relocard.cases.approval import approval_propose

            approval_propose(
                actor=cw,
                application=app,
                exceptions={"language": "Works in French daily; certificate on its way."},
                version=app.version,
            )
        elif state in ("refusal_proposed", "refused"):
            cs.refusal_propose(
                actor=cw,
                application=app,
                reasons={"means": "Too little."},
                summary="",
                version=app.version,
            )
            if state == "refused":
                app.refresh_from_db()
                cs.refusal_confirm(actor=sup, application=app, version=app.version)
        app.refresh_from_db()
        return app

    return make


@pytest.fixture(autouse=True)
def _test_clock():
    """``RELOCARD_TEST_CLOCK=HH:MM`` runs every test from that UTC time of today (the clock
    ticks): e.g. ``23:30``, when Paris is already on tomorrow's date, finds code that takes a
    UTC or Brussels date for a member state's."""
    value = os.environ.get("RELOCARD_TEST_CLOCK")
    if not value:
        yield
        return
    try:
        at = time.fromisoformat(value)
    except ValueError:
        pytest.exit(f"RELOCARD_TEST_CLOCK={value!r} is not a time of day (HH:MM)", returncode=4)
    with time_machine.travel(datetime.combine(datetime.now(UTC).date(), at, UTC), tick=True):
        yield


@pytest.fixture(autouse=True)
def _english_by_default():
    """Each test starts in English: a request in Russian must not leak into the next test."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# --- decision letters ---------------------------------------------------------------------------


@pytest.fixture
def render_letters(settings):
    """Decision letters are rendered and sealed at once, as in production (the test settings
    only record them and hold their rendering task: about half a second per decision saved).
    For the letters' tests and any test that downloads or checks a letter; the marker
    ``@pytest.mark.render_letters`` does the same."""
    settings.RELOCARD_LETTER_TASK_BACKEND = "default"


@pytest.fixture(autouse=True)
def _letters_rendering(request):
    """Apply the ``render_letters`` marker; empty the held tasks of the deferred backend."""
    from django.tasks import task_backends
    from django.tasks.backends.dummy import DummyBackend

    if request.node.get_closest_marker("render_letters"):
        request.getfixturevalue("render_letters")
    yield
    for backend in task_backends.all(initialized_only=True):
        if isinstance(backend, DummyBackend):
            backend.clear()


def race(*actions):
    """Run ``actions`` at the same moment in threads, each on its own database connection; the
    outcome of each (its result, or the RelocardError it raised). For the PostgreSQL-only tests
    that two requests at once cannot both win."""
    import threading

    from django.db import connections

    from relocard.common.errors import RelocardError

    barrier = threading.Barrier(len(actions))
    outcomes: list[object] = [None] * len(actions)

    def run(i, action):
        try:
            barrier.wait()
            outcomes[i] = action()
        except RelocardError as exc:
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes
