"""The demo's seed: what `relocard demo` shows a first-time user must exist and hold together."""

from __future__ import annotations

import stat

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from relocard.accounts.models import Role, User
from relocard.audit.selectors import audit_chain_verify
from relocard.audit.services import audit_seal
from relocard.cards.models import Card
from relocard.cases.models import Application, CaseState
from relocard.demo import CREDENTIALS_FILE, ensure_demo, sign_in_lines
from relocard.verification.models import CardCheck, VerifierOrganisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_seed_makes_every_role_cases_cards_and_a_bank_then_reuses_them(
    var_dir, member_states, django_capture_on_commit_callbacks
):
    said = []
    with django_capture_on_commit_callbacks(execute=True):
        creds = ensure_demo(applicants=24, echo=said.append)

    roles = {role for role, _email, _password, _key in creds}
    assert {"caseworker FR", "supervisor CY", "verifier (bank)", "applicant (card)"} <= roles
    staff_roles = set(User.objects.exclude(role=Role.APPLICANT).values_list("role", flat=True))
    assert {Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR, Role.PROGRAMME_ADMIN} <= staff_roles
    for role, email, password, key in creds:
        user = User.objects.get(email=email)
        assert user.check_password(password), email
        # Staff and the bank get an authenticator-app key, printed and kept in the file; the
        # code it gives now is one the account accepts.
        if role != "applicant (card)":
            import pyotp

            from relocard.demo import current_code

            device = TOTPDevice.objects.get(user=user, confirmed=True)
            assert current_code(key) == pyotp.TOTP(key).now()
            assert device.verify_token(current_code(key))
        else:
            assert key == ""

    states = set(Application.objects.values_list("state", flat=True))
    assert CaseState.APPROVED in states and len(states) >= 4
    assert set(Application.objects.values_list("member_state_id", flat=True)) == {
        "FR", "DE", "PL", "CY",
    }  # fmt: skip
    assert Card.objects.filter(applicant__user__email=creds[-1][1]).exists()
    assert VerifierOrganisation.objects.filter(status="approved").exists()
    # A waiting list in each launch state, whose ledger verifies.
    from relocard.core.waitlist import verify_ledger
    from relocard.humanitarian.selectors import ledger_document

    assert {"humanitarian_officer FR", "referrer FR (NGO)"} <= roles
    for ms in ("FR", "DE", "PL", "CY"):
        document = ledger_document(ms)
        assert verify_ledger(document).ok
        events = {r["event"] for r in document["records"]}
        assert {"registration", "triage", "invitation", "decision"} <= events
    # The signed-in holder has a check by the demo bank to see, and the bank has it too.
    (check,) = CardCheck.objects.filter(card__applicant__user__email=creds[-1][1])
    assert check.result == "valid" and check.checked_by.email == creds[-2][1]

    path = var_dir / CREDENTIALS_FILE
    # What the command prints names the real state folder (not a fixed var/) and the holder's
    # date of birth, which a bank's share-code check asks for.
    printed = "\n".join(sign_in_lines(creds))
    assert f"(also in {path}):" in printed and "var/demo-credentials" not in printed
    holder = User.objects.get(email=creds[-1][1]).applicant
    assert f"date of birth {holder.date_of_birth.isoformat()}" in printed
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # passwords and keys: the owner only
    # Everything went through the services: the sealed audit chain verifies.
    assert audit_seal() > 0
    report = audit_chain_verify()
    assert report.ok, report.problem

    again = []
    assert ensure_demo(applicants=24, echo=again.append) == [tuple(c) for c in creds]
    assert again == ["Demo data found: reusing it."]
    assert Application.objects.count() == 24


def test_seeded_cases_and_cards_hold_together_in_time(
    var_dir, member_states, django_capture_on_commit_callbacks
):
    """The seed moves cases into the past: their history, documents and decisions move with
    them in order, and each card's signed QR carries the dates its card page shows."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from relocard.cards.credentials import verify_payload
    from relocard.cards.models import CredentialFormat

    with django_capture_on_commit_callbacks(execute=True):
        ensure_demo(applicants=24, echo=lambda _line: None)
    now = timezone.now()
    filed = Application.objects.exclude(submitted_at=None).prefetch_related(
        "transitions", "evidence", "decisions"
    )
    assert filed.exists()
    for app in filed:
        history = [t.at for t in sorted(app.transitions.all(), key=lambda t: t.pk)]
        assert history == sorted(history) and history[-1] <= now, app.reference
        submitted = next(t.at for t in app.transitions.all() if t.to_state == "submitted")
        assert submitted == app.submitted_at and app.created_at <= app.submitted_at
        assert submitted < now - timezone.timedelta(days=2)  # moved into the past
        assert all(e.uploaded_at <= app.submitted_at for e in app.evidence.all())
        if app.decided_at:
            assert history[-1] == app.decided_at >= app.submitted_at
    for card in Card.objects.select_related("application", "member_state"):
        zone = ZoneInfo(card.member_state.timezone)
        assert card.valid_from == timezone.localdate(card.application.decided_at, zone)
        (qr,) = card.credentials.filter(format=CredentialFormat.RC1, kind="card")
        claims = verify_payload(qr.payload).claims
        assert (claims["valid_from"], claims["valid_until"]) == (
            card.valid_from.isoformat(),
            card.valid_until.isoformat(),
        )
    # A seeded refusal gives a reason for every criterion its evaluation found not met.
    from relocard.cases.models import Decision

    refusals = Decision.objects.filter(outcome="refuse")
    assert refusals.exists()
    for decision in refusals:
        failed = {c["id"] for c in decision.evaluation["criteria"] if c["result"] == "not_met"}
        assert failed and set(decision.reasons) == failed, decision.application.reference
    holder = Card.objects.get(applicant__user__email__startswith="applicant0@")
    assert (holder.valid_until - timezone.localdate()).days < 120  # its renewal is open
