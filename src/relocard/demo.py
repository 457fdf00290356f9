"""A realistic synthetic programme for ``relocard demo``: staff of every role, a few hundred
applicants across FR, DE, PL and CY in every case state, and generated evidence files.

Everything is created through the same services as real use (so the audit chain is complete),
except one thing: to give the queue and the processing-time estimate something to show, the
seed moves submission and decision times into the past after the fact. Names come from
Faker's ru_RU locale; documents are generated locally and say that they are synthetic.
"""

from __future__ import annotations

import io
import random
import secrets
from collections.abc import Callable
from datetime import date, timedelta

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker
from fpdf import FPDF
from PIL import Image, ImageDraw

from relocard.accounts.factors import totp_secret
from relocard.accounts.models import Applicant, Role, User
from relocard.accounts.services import applicant_profile_save, staff_user_create
from relocard.cards.credentials import credentials_issue
from relocard.cards.models import Card, CardCredential
from relocard.cards.services import card_status_confirm, card_status_propose, card_validity
from relocard.cases import services as cs
from relocard.cases.appeals import appeal_lodge
from relocard.cases.models import (
    Application,
    CaseState,
    CaseTransition,
    CorrectionRequest,
    Decision,
    EvidenceItem,
    EvidenceStatus,
)
from relocard.cases.selectors import case_precheck, refusal_reasons
from relocard.cases.transfers import transfer_request
from relocard.consular.demo import seed_missions
from relocard.core.translit import icao_transliterate
from relocard.humanitarian.demo import seed_waitlists
from relocard.presence.services import trip_save
from relocard.reference.eu27 import PROGRAMME_LAUNCH
from relocard.screening.demo import answer_checks, listed_lookalike, seed_screening
from relocard.verification.models import VerifierMembership, VerifierOrganisation
from relocard.verification.services import (
    check_by_share_code,
    organisation_decide,
    organisation_register,
    share_code_create,
)

DEMO_DOMAIN = "demo.relocard.test"
CREDENTIALS_FILE = "demo-credentials.txt"
STATE_MIX = [
    (CaseState.DRAFT, 10),
    (CaseState.SUBMITTED, 14),
    (CaseState.IN_REVIEW, 18),
    (CaseState.CORRECTION_REQUESTED, 10),
    (CaseState.REFUSAL_PROPOSED, 5),
    (CaseState.APPROVED, 28),
    (CaseState.REFUSED, 10),
    (CaseState.WITHDRAWN, 5),
]
LANGS = ["en", "fr", "de", "pl", "el", "es", "it"]


def _pdf(title: str, lines: list[str]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 12, "SYNTHETIC DEMO DOCUMENT - NOT A REAL RECORD", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 13)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _passport_png(name: str, number: str) -> bytes:
    img = Image.new("RGB", (640, 420), (235, 225, 205))
    draw = ImageDraw.Draw(img)
    draw.rectangle((20, 20, 620, 400), outline=(120, 30, 30), width=4)
    draw.text((40, 40), "SYNTHETIC DEMO PASSPORT - NOT VALID", fill=(120, 30, 30))
    draw.text((40, 100), f"P<RUS{name}", fill=(0, 0, 0))
    draw.text((40, 140), f"No {number}", fill=(0, 0, 0))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _demo_totp(user: User) -> str:
    """A confirmed authenticator-app key for a demo staff user; its base32 text (printed and
    kept in the 0600 credentials file, so that a newcomer can add it to an app)."""
    device = TOTPDevice.objects.create(user=user, name="Demo authenticator app", confirmed=True)
    return totp_secret(device).replace(" ", "")


def current_code(secret: str) -> str:
    """The code an authenticator app with this key shows now (a hint for the demo)."""
    import base64

    from django_otp.oath import totp

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, step=30, t0=0, digits=6, drift=0):06d}"


def _staff(rng_password: Callable[[], str]) -> tuple[dict, list[tuple[str, ...]]]:
    creds: list[tuple[str, ...]] = []
    staff: dict[tuple[str, str], User] = {}

    def make(role: str, ms: str | None) -> None:
        email = f"{role.replace('_', '.')}{'.' + ms.lower() if ms else ''}@{DEMO_DOMAIN}"
        password = rng_password()
        user = staff_user_create(
            actor=None, email=email, password=password, role=role, member_state=ms
        )
        staff[(role, ms or "")] = user
        creds.append((f"{role} {ms or 'all'}", email, password, _demo_totp(user)))

    make(Role.PROGRAMME_ADMIN, None)
    for ms in PROGRAMME_LAUNCH:
        make(Role.CASEWORKER, ms)
        make(Role.SUPERVISOR, ms)
    make(Role.CONSULAR_OFFICER, "FR")
    make(Role.AUDITOR, "FR")
    # A bank that checks cards (an approved verifier organisation).
    password = rng_password()
    bank = organisation_register(
        email=f"checks@bank.{DEMO_DOMAIN}",
        password=password,
        name="Demo Bank",
        kind="bank",
        country="FR",
        registration_number="RCS PARIS 000 000 000",
    )
    organisation_decide(
        actor=staff[(Role.PROGRAMME_ADMIN, "")],
        organisation=VerifierOrganisation.objects.get(memberships__user=bank),
        status="approved",
    )
    creds.append(("verifier (bank)", bank.email, password, _demo_totp(bank)))
    return staff, creds


def _person(fake: Faker, rnd: random.Random) -> dict:
    male = rnd.random() < 0.5
    surname = fake.last_name_male() if male else fake.last_name_female()
    first = fake.first_name_male() if male else fake.first_name_female()
    middle = fake.middle_name_male() if male else fake.middle_name_female()
    today = timezone.localdate()
    return {
        "surname_cyrillic": surname,
        "given_names_cyrillic": f"{first} {middle}",
        "surname_latin": icao_transliterate(surname),
        "given_names_latin": icao_transliterate(first),
        "date_of_birth": date(rnd.randint(1962, 2002), rnd.randint(1, 12), rnd.randint(1, 28)),
        "nationality": "RU",
        "passport_number": f"{rnd.randint(70, 77)}{rnd.randint(1000000, 9999999)}",
        "passport_expiry": today + timedelta(days=rnd.randint(400, 3000)),
        "safe_mode": rnd.random() < 0.6,
    }


def _evidence(actor, app: Application, person: dict, rnd: random.Random, weak: bool) -> None:
    ms = app.member_state_id
    name = f"{person['surname_latin']}<<{person['given_names_latin']}"
    cs.evidence_add(
        actor=actor,
        application=app,
        kind="passport",
        upload=_upload("passport.png", _passport_png(name, person["passport_number"]), "image/png"),
        facts_data={"passport-nationality": "RU"},
        expires_on=person["passport_expiry"],
    )
    level = rnd.choice([5, 6]) if weak else rnd.choice([6, 7, 7, 8])
    cs.evidence_add(
        actor=actor,
        application=app,
        kind="diploma",
        upload=_upload("diploma.pdf", _pdf("Diploma", [f"ISCED level {level}"]), "application/pdf"),
        facts_data={"diploma-isced_level": str(level)},
    )
    lang = rnd.choice(LANGS)
    cefr = rnd.choice(["A2", "B1"]) if weak else rnd.choice(["B1", "B2", "C1"])
    cs.evidence_add(
        actor=actor,
        application=app,
        kind="language_certificate",
        upload=_upload(
            "language.pdf", _pdf("Language certificate", [f"{lang} {cefr}"]), "application/pdf"
        ),
        facts_data={"language_certificate-language": lang, "language_certificate-cefr": cefr},
        expires_on=timezone.localdate() + timedelta(days=rnd.randint(200, 900)),
    )
    amount = rnd.choice([6000, 9000, 11000]) if weak else rnd.randint(13, 90) * 1000
    cs.evidence_add(
        actor=actor,
        application=app,
        kind="liquid_assets",
        upload=_upload("bank.pdf", _pdf("Bank statement", [f"EUR {amount}"]), "application/pdf"),
        facts_data={"liquid_assets-amount_eur": str(amount)},
    )
    if rnd.random() < 0.5:
        cs.evidence_add(
            actor=actor,
            application=app,
            kind="lease_or_deed",
            upload=_upload("lease.pdf", _pdf("Lease", ["12 months"]), "application/pdf"),
            facts_data={"lease_or_deed-tenure": "tenant", "lease_or_deed-country": ms},
            expires_on=timezone.localdate() + timedelta(days=365),
        )


def _verify_all(reviewer, app: Application) -> None:
    for item in app.evidence.all():
        data = {f"review-{item.pk}-{k}": v for k, v in item.declared.items()}
        cs.evidence_review(
            actor=reviewer, evidence=item, status=EvidenceStatus.VERIFIED, facts_data=data
        )


def _drive(app: Application, target: str, staff: dict, user: User, officers: dict) -> None:
    ms = app.member_state_id
    caseworker, supervisor = staff[(Role.CASEWORKER, ms)], staff[(Role.SUPERVISOR, ms)]
    if target == CaseState.DRAFT:
        return
    if target == CaseState.WITHDRAWN:
        cs.application_withdraw(actor=user, application=app, reason="")
        return
    cs.application_submit(actor=user, application=app, token=secrets.token_hex(8))
    if target == CaseState.SUBMITTED:
        return
    app.refresh_from_db()
    cs.application_start_review(actor=caseworker, application=app, version=app.version)
    app.refresh_from_db()
    _verify_all(caseworker, app)
    if target == CaseState.IN_REVIEW:
        return
    if target == CaseState.CORRECTION_REQUESTED:
        cs.correction_request(
            actor=caseworker,
            application=app,
            version=app.version,
            kinds=["lease_or_deed"],
            message="Please upload your signed lease or title deed.",
        )
        return
    if target == CaseState.APPROVED:
        answer_checks(app, officers)  # the screening officers, before the caseworker decides
        app.refresh_from_db()
        cs.application_approve(actor=caseworker, application=app, version=app.version)
        return
    # As the refusal form does: one reason per criterion the pre-check finds not met.

    reasons = refusal_reasons(case_precheck(application=app), "en")
    cs.refusal_propose(
        actor=caseworker, application=app, reasons=reasons, summary="", version=app.version
    )
    if target == CaseState.REFUSED:
        app.refresh_from_db()
        cs.refusal_confirm(actor=supervisor, application=app, version=app.version)


def _backdate(rnd: random.Random) -> None:
    """Spread the filed cases over the past months (demo only: see the module docstring).

    Each case was seeded within a fraction of a second. Every time stamp of a case (its
    history, documents, correction requests, decisions, card) is mapped in order onto a
    plausible timeline: started a few days before it was filed, worked on and decided weeks
    later. A card's year starts on the day its case was decided (the first holder's ten
    months ago, so that the renewal is open); its credentials are signed again for those
    dates, so that the printed QR says what the card page says.
    """
    now = timezone.now()
    cards = {card.application_id: card for card in Card.objects.order_by("id")}
    card_days = {app_id: 310 if n == 0 else rnd.randint(5, 300) for n, app_id in enumerate(cards)}
    filed = Application.objects.exclude(submitted_at=None).select_related("member_state")
    for app in filed.order_by("id"):
        hour = timedelta(hours=rnd.randint(0, 8))
        if app.pk in card_days:
            decided = now - timedelta(days=card_days[app.pk]) - hour
            submitted = decided - timedelta(days=rnd.randint(10, 75))
        else:
            submitted = now - timedelta(days=rnd.randint(3, 80)) - hour
            decided = min(now, submitted + timedelta(days=rnd.randint(10, 75)))
        # Without a decision, the work after filing (review, a correction request) took
        # a few days, and is over by now.
        worked = decided if app.decided_at else min(now, submitted + timedelta(days=5))
        _timeline(
            app,
            begun=submitted - timedelta(days=rnd.randint(1, 6)),
            submitted=submitted,
            until=worked,
        )
        app.refresh_from_db()
        Application.objects.filter(pk=app.pk).update(
            decision_due=(app.submitted_at + timedelta(days=app.member_state.decision_days)).date()
        )
        card = cards.get(app.pk)
        if card is not None:
            valid_from = app.member_state.local_date(decided)
            Card.objects.filter(pk=card.pk).update(
                issued_at=decided,
                valid_from=valid_from,
                valid_until=card_validity(card.member_state_id, valid_from),
            )
            card.refresh_from_db()
            CardCredential.objects.filter(card=card).delete()
            credentials_issue(card)


def _timeline(app: Application, *, begun, submitted, until):
    """Move every time stamp of ``app`` onto [begun, until], keeping their order: what happened
    before filing onto [begun, submitted], the rest onto [submitted, until]."""
    rows = [
        (
            Application,
            {"pk": app.pk},
            ["created_at", "submitted_at", "decided_at", "clock_paused_at"],
        ),
        (CaseTransition, {"application": app}, ["at"]),
        (EvidenceItem, {"application": app}, ["uploaded_at", "reviewed_at"]),
        (CorrectionRequest, {"application": app}, ["requested_at", "answered_at"]),
        (Decision, {"application": app}, ["proposed_at", "confirmed_at"]),
    ]
    found = [
        (model, row["pk"], {f: row[f] for f in fields if row[f] is not None}, row)
        for model, where, fields in rows
        for row in model.objects.filter(**where).values(
            "pk", *fields, *(["appeal_deadline"] if model is Decision else [])
        )
    ]
    stamps = [t for _m, _pk, values, _row in found for t in values.values()]
    # Filing stamps the case and writes its history row a moment apart, and so does deciding:
    # each such pair lands on one moment.
    history = CaseTransition.objects.filter(application=app).order_by("pk")
    filing = [
        app.submitted_at,
        *history.filter(to_state=CaseState.SUBMITTED).values_list("at", flat=True)[:1],
    ]
    first, last = min(stamps), max(stamps)
    filed_from, filed_to = min(filing), max(filing)
    decided_from = min(app.decided_at, history.last().at) if app.decided_at else last

    def remap(t):
        if t < filed_from:
            return begun + (submitted - begun) * ((t - first) / (filed_from - first))
        if t <= filed_to:
            return submitted
        if t >= decided_from:
            return until
        return submitted + (until - submitted) * ((t - filed_to) / (decided_from - filed_to))

    for model, pk, values, row in found:
        changes = {f: remap(t) for f, t in values.items()}
        if model is Decision and row["appeal_deadline"] and row["confirmed_at"]:
            moved = remap(row["confirmed_at"]).date() - row["confirmed_at"].date()
            changes["appeal_deadline"] = row["appeal_deadline"] + moved
        if changes:
            model.objects.filter(pk=pk).update(**changes)


def _trial_year(staff: dict, rnd: random.Random) -> None:
    """Give the demo's cards a trial year to look at: trips, a card near expiry, a revocation
    with an appeal, and a transfer request (through the services, except card dates)."""
    today = timezone.localdate()
    cards = list(Card.objects.select_related("applicant__user", "application").order_by("id"))
    for card in cards:
        # Each card year started on its decision day (see _backdate), so that trips and
        # budgets mean something; the first holder's card is close to its end.
        start = card.valid_from
        days_into_year = (today - start).days
        user = card.applicant.user
        for _ in range(rnd.randint(0, 4)):
            left = start + timedelta(days=rnd.randint(1, days_into_year + 40))
            length = rnd.randint(2, 25 if rnd.random() < 0.9 else 70)
            destination = rnd.choice(["", "", "DE", "IT", "ES", "AT"])
            trip_save(
                actor=user,
                applicant=card.applicant,
                left=left,
                returned=left + timedelta(days=length),
                destination=destination if destination != card.member_state_id else "",
            )
    if len(cards) > 3:
        revoked = cards[1]
        ms = revoked.member_state_id
        change = card_status_propose(
            actor=staff[(Role.CASEWORKER, ms)],
            card=revoked,
            action="revoke",
            reason="The employment contract could not be confirmed with the employer.",
        )
        card_status_confirm(actor=staff[(Role.SUPERVISOR, ms)], change=change)
        appeal_lodge(
            actor=revoked.applicant.user,
            application=revoked.application,
            card_change=change,
            grounds="The employer has since confirmed the contract in writing.",
        )
        moving = cards[2]
        target = next(code for code in PROGRAMME_LAUNCH if code != moving.member_state_id)
        transfer_request(
            actor=moving.applicant.user, application=moving.application, to_state_code=target
        )


def _bank_check() -> None:
    """The demo bank checks the signed-in holder's card with a share code, so that both of
    them have a check to look at (through the services, like any check)."""
    card = Card.objects.select_related("applicant__user").get(
        applicant__user__email=f"applicant0@{DEMO_DOMAIN}"
    )
    membership = VerifierMembership.objects.select_related("organisation", "user").get(
        user__email=f"checks@bank.{DEMO_DOMAIN}"
    )
    _row, code = share_code_create(actor=card.applicant.user, card=card, purpose="bank")
    check_by_share_code(
        organisation=membership.organisation,
        code=code,
        date_of_birth=card.applicant.date_of_birth,
        reason="Opening a current account",
        user=membership.user,
    )


def credentials_path():
    """Where the demo keeps its sign-ins: in the state folder, wherever RELOCARD_VAR_DIR puts
    it (the demo prints this path, not a fixed ``var/``)."""
    return settings.VAR_DIR / CREDENTIALS_FILE


def holder_date_of_birth(email: str) -> date | None:
    """The demo holder's date of birth: a bank's share-code check asks for it."""
    return (
        Applicant.objects.filter(user__email=email).values_list("date_of_birth", flat=True).first()
    )


def sign_in_lines(credentials: list[tuple[str, ...]]) -> list[str]:
    """What ``relocard demo`` prints: each sign-in, the authenticator code of those who have a
    second factor, the holder's date of birth, and the real path of the credentials file."""
    lines = [f"Demo sign-ins (also in {credentials_path()}):"]
    for role, email, password, totp_key in credentials:
        lines.append(f"  {role:<20} {email:<40} {password}")
        if totp_key:
            lines.append(
                f"  {'':<20} second factor: authenticator-app key {totp_key}"
                f" (code now: {current_code(totp_key)})"
            )
        if role == "applicant (card)":
            born = holder_date_of_birth(email)
            if born:
                lines.append(
                    f"  {'':<20} date of birth {born.isoformat()}"
                    " (a bank's share-code check asks for it)"
                )
    return lines


def ensure_demo(*, applicants: int, echo: Callable[[str], None]) -> list[tuple[str, ...]]:
    """Seed on the first run; afterwards just return the saved demo sign-ins."""
    path = credentials_path()
    if User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").exists() and path.exists():
        echo("Demo data found: reusing it.")
        return [
            (*line.split("\t"), "", "", "", "")[:4]
            for line in path.read_text(encoding="utf-8").splitlines()
            if line
        ]
    echo(f"Seeding a synthetic programme with {applicants} applicants (first run only)...")
    rnd = random.Random(2024)
    fake = Faker("ru_RU")
    fake.seed_instance(2024)
    staff, creds = _staff(lambda: secrets.token_urlsafe(9))
    with transaction.atomic():
        officers, screening_creds = seed_screening(
            states=list(PROGRAMME_LAUNCH),
            password=lambda: secrets.token_urlsafe(9),
            totp=_demo_totp,
            domain=DEMO_DOMAIN,
        )
    states = [s for s, w in STATE_MIX for _ in range(w)]
    for n in range(applicants):
        person = _person(fake, rnd)
        ms = PROGRAMME_LAUNCH[n % len(PROGRAMME_LAUNCH)]
        target = CaseState.APPROVED if n == 0 else rnd.choice(states)
        if 1 <= n <= len(PROGRAMME_LAUNCH):
            # One applicant per member state resembles a listed person: the screening queue.
            person |= listed_lookalike(n - 1)
            target = CaseState.IN_REVIEW
        # A refusal's case fails a criterion, as the pre-check shows the caseworker.
        weak = target in (CaseState.REFUSED, CaseState.REFUSAL_PROPOSED)
        with transaction.atomic():
            # Only the first synthetic applicant can sign in: hashing a password per person
            # would make the first run of the demo take minutes.
            password = secrets.token_urlsafe(9) if n == 0 else None
            user = User.objects.create_user(
                f"applicant{n}@{DEMO_DOMAIN}",
                password,
                role=Role.APPLICANT,
                preferred_language=rnd.choice(["ru", "ru", "en"]),
            )
            applicant = applicant_profile_save(actor=user, user=user, data=person)
            app = cs.application_start(actor=user, applicant=applicant, member_state_code=ms)
            _evidence(user, app, person, rnd, weak)
            app.refresh_from_db()
            _drive(app, target, staff, user, officers)
        if n == 0:
            creds.append(("applicant (card)", user.email, password, ""))
        if n and n % 50 == 0:
            echo(f"  {n} applicants...")
    with transaction.atomic():
        _backdate(rnd)
        _trial_year(staff, rnd)
    _bank_check()

    creds[-2:-2] = screening_creds
    # The missions first: the waiting lists' invitations reserve their published slots.
    mission_creds = seed_missions(
        fr_officer=staff[(Role.CONSULAR_OFFICER, "FR")],
        password=lambda: secrets.token_urlsafe(9),
        totp=_demo_totp,
        domain=DEMO_DOMAIN,
    )
    creds[-2:-2] = seed_waitlists(
        states=list(PROGRAMME_LAUNCH),
        fake=fake,
        rnd=rnd,
        password=lambda: secrets.token_urlsafe(9),
        totp=_demo_totp,
        admin=staff[(Role.PROGRAMME_ADMIN, "")],
        domain=DEMO_DOMAIN,
    )
    creds[-2:-2] = mission_creds
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join("\t".join(c) + "\n" for c in creds), encoding="utf-8")
    path.chmod(0o600)
    echo(f"Seeded {Applicant.objects.count()} applicants and {Application.objects.count()} cases.")
    return creds
