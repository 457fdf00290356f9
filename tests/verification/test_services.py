"""The services of checking a card: share codes, checks, lockout, organisations, API keys."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from relocard.audit.models import AuditEvent
from relocard.audit.selectors import audit_chain_verify, audit_events_for_object
from relocard.cards import credentials as creds
from relocard.cards import services as card_services
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.verification import hotpath, services
from relocard.verification.errors import WrongPurpose
from relocard.verification.models import ApiKey, CardCheck, ShareCode, VerifierOrganisation

pytestmark = pytest.mark.django_db
WRONG_BIRTHDAY = date(1971, 1, 2)


def org_of(user) -> VerifierOrganisation:
    return VerifierOrganisation.objects.get(memberships__user=user)


def check(user, code, birthday, reason="Tenancy application"):
    return services.check_by_share_code(
        organisation=org_of(user), user=user, code=code, date_of_birth=birthday, reason=reason
    )


def revoke_card(card, staff):
    change = card_services.card_status_propose(
        actor=staff["caseworker"], card=card, action="revoke", reason="Obtained by fraud."
    )
    card_services.card_status_confirm(actor=staff["supervisor"], change=change)


# --- share codes ---------------------------------------------------------------------------


def test_a_code_is_stored_only_as_a_keyed_hash(card, make_code):
    code = make_code("rent")
    row = ShareCode.objects.get()
    assert row.digest == services.code_digest(code)
    assert row.digest != hashlib.sha256(code.encode()).hexdigest()
    with override_settings(SECRET_KEY="another-secret-key-another-secret-key-0123"):
        assert services.code_digest(code) != row.digest  # useless without the key
    # The code itself is nowhere in the database: not in the row, not in the audit log.
    dump = " ".join(str(v) for v in ShareCode.objects.values().get().values())
    dump += " ".join(str(e.data) for e in AuditEvent.objects.all())
    assert code not in dump and code[1:] not in dump
    event = AuditEvent.objects.get(action="share_code.created")
    assert event.data["purpose"] == "rent" and event.actor_id == card.applicant.user_id


def test_a_code_lasts_90_days_for_one_purpose(card, make_code):
    before = timezone.now()
    make_code("work")
    row = ShareCode.objects.get()
    assert row.purpose == "work" and row.card_id == card.pk
    assert timedelta(days=90) <= row.expires_at - before < timedelta(days=90, minutes=1)


def test_only_the_holder_shares_only_a_valid_card(card, make_applicant, staff):
    stranger = make_applicant().user
    with pytest.raises(NotAllowed):
        services.share_code_create(actor=stranger, card=card, purpose="rent")
    with pytest.raises(NotAllowed):
        services.share_code_create(actor=staff["caseworker"], card=card, purpose="rent")
    with pytest.raises(InvalidInput):
        services.share_code_create(actor=card.applicant.user, card=card, purpose="visa")
    revoke_card(card, staff)
    card.refresh_from_db()
    with pytest.raises(InvalidState, match="not valid"):
        services.share_code_create(actor=card.applicant.user, card=card, purpose="rent")
    assert not ShareCode.objects.exists()


@override_settings(RELOCARD_SHARE_CODE_MAX_ACTIVE=2)
def test_a_holder_has_a_limited_number_of_codes_in_use(card, make_code):
    first = make_code("rent")
    make_code("bank")
    with pytest.raises(InvalidState, match="2 codes in use"):
        make_code("work")
    services.share_code_revoke(
        actor=card.applicant.user,
        share_code=ShareCode.objects.get(digest=services.code_digest(first)),
    )
    make_code("work")
    assert ShareCode.objects.count() == 3


def test_revoking_is_for_the_holder_only_and_once(card, make_code, make_applicant):
    make_code("rent")
    row = ShareCode.objects.get()
    with pytest.raises(NotAllowed):
        services.share_code_revoke(actor=make_applicant().user, share_code=row)
    services.share_code_revoke(actor=card.applicant.user, share_code=row)
    with pytest.raises(InvalidState):
        services.share_code_revoke(actor=card.applicant.user, share_code=row)
    assert AuditEvent.objects.filter(action="share_code.revoked").count() == 1


# --- checks by share code ------------------------------------------------------------------


def test_a_matching_code_shows_what_the_purpose_needs_and_is_recorded(card, make_code, landlord):
    code = make_code("rent")
    result = check(landlord, code.lower(), card.applicant.date_of_birth, "  Flat 3,  Rue Cler ")
    assert result.result == "valid" and result.matched
    assert result.card_id == card.pk and result.share_code.card_id == card.pk
    assert (result.member_state, result.valid_until) == ("FR", card.valid_until)
    assert (result.purpose, result.reason, result.method) == (
        "rent",
        "Flat 3, Rue Cler",
        "share_code",
    )
    assert result.organisation == org_of(landlord) and result.checked_by == landlord
    event = AuditEvent.objects.get(action="verification.share_code_check")
    # The event names the check by its public id (written with the row, before its pk exists).
    assert (event.object_type, event.object_id) == ("verification.cardcheck", result.check_id)
    assert event.actor_id == landlord.pk and event.at == result.checked_at
    assert event.data["result"] == "valid"
    # Looking at the result again is audited under the same id: one lookup finds both.
    services.check_viewed(actor=landlord, check=result)
    found = audit_events_for_object(object_type="verification.cardcheck", object_id=result.check_id)
    assert [e.action for e in found] == [
        "verification.share_code_check",
        "verification.check_viewed",
    ]


def test_a_revoked_card_is_matched_but_not_valid(card, make_code, landlord, staff):
    code = make_code("rent")
    revoke_card(card, staff)
    result = check(landlord, code, card.applicant.date_of_birth)
    assert result.result == "not_valid" and result.detail == "revoked"


def test_wrong_code_and_wrong_birthday_are_one_answer(card, make_code, landlord):
    code = make_code("rent")
    other = "R" + ("2" if code[1] != "2" else "3") + code[2:]
    wrong_code = check(landlord, other, card.applicant.date_of_birth)
    wrong_birthday = check(landlord, code, WRONG_BIRTHDAY)
    for result in (wrong_code, wrong_birthday):
        assert result.result == "no_match" and result.card is None
        assert result.member_state == "" and result.valid_until is None and result.detail == ""
    # Only the wrong birthday is shown to the holder: the code was theirs.
    assert wrong_birthday.share_code is not None and wrong_code.share_code is None


def _shapes(queries) -> list[str]:
    """SQL with every literal replaced, to compare the work two requests did."""
    out = []
    for q in queries:
        sql = re.sub(r"'(?:[^']|'')*'", "?", q["sql"])
        sql = re.sub(r'"s\d+_x\d+"', "?", sql)  # savepoint names
        sql = re.sub(r"\b\d+(\.\d+)?\b|\bNULL\b", "?", sql)
        out.append(sql)
    return out


def test_wrong_code_and_wrong_birthday_do_the_same_work(card, make_code, landlord):
    code = make_code("rent")
    other = "R" + ("2" if code[1] != "2" else "3") + code[2:]
    check(landlord, other, WRONG_BIRTHDAY)  # warm-up: caches, the organisation
    with CaptureQueriesContext(connection) as wrong_code:
        check(landlord, other, card.applicant.date_of_birth)
    with CaptureQueriesContext(connection) as wrong_birthday:
        check(landlord, code, WRONG_BIRTHDAY)
    assert len(wrong_code.captured_queries) == len(wrong_birthday.captured_queries)
    assert _shapes(wrong_code.captured_queries) == _shapes(wrong_birthday.captured_queries)


@override_settings(RELOCARD_SHARE_CODE_MAX_FAILURES=3)
def test_a_code_locks_after_failures_and_the_holder_is_told(card, make_code, landlord):
    code = make_code("rent")
    mail.outbox.clear()
    for _ in range(2):
        assert check(landlord, code, WRONG_BIRTHDAY).result == "no_match"
    assert ShareCode.objects.get().locked_at is None and not mail.outbox
    check(landlord, code, WRONG_BIRTHDAY)
    row = ShareCode.objects.get()
    assert row.locked_at is not None and row.failures == 3
    (message,) = mail.outbox
    assert message.to == [card.applicant.user.email]
    assert "share code" in message.subject.lower()  # the holder chose full e-mails
    # Locked: even the right birthday gets nothing now, and no second e-mail.
    assert check(landlord, code, card.applicant.date_of_birth).result == "no_match"
    assert check(landlord, code, WRONG_BIRTHDAY).result == "no_match"
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="share_code.locked").count() == 1


@override_settings(RELOCARD_SHARE_CODE_MAX_FAILURES=2)
def test_safe_mode_lock_mail_says_nothing(card, make_code, landlord):
    applicant = card.applicant
    applicant.safe_mode = True
    applicant.save(update_fields=["safe_mode"])
    code = make_code("rent")
    mail.outbox.clear()
    check(landlord, code, WRONG_BIRTHDAY)
    check(landlord, code, WRONG_BIRTHDAY)
    (message,) = mail.outbox
    text = (message.subject + message.body).lower()
    assert "share code" not in text and "card" not in text and "new message" in text


@override_settings(RELOCARD_SHARE_CODE_MAX_FAILURES=3)
def test_a_match_resets_the_failures(card, make_code, landlord):
    code = make_code("rent")
    check(landlord, code, WRONG_BIRTHDAY)
    check(landlord, code, WRONG_BIRTHDAY)
    assert check(landlord, code, card.applicant.date_of_birth).result == "valid"
    check(landlord, code, WRONG_BIRTHDAY)
    check(landlord, code, WRONG_BIRTHDAY)
    assert ShareCode.objects.get().locked_at is None


def test_revoked_and_expired_codes_match_nothing(card, make_code, landlord):
    revoked, expired = make_code("rent"), make_code("rent")
    services.share_code_revoke(
        actor=card.applicant.user,
        share_code=ShareCode.objects.get(digest=services.code_digest(revoked)),
    )
    ShareCode.objects.filter(digest=services.code_digest(expired)).update(
        created_at=timezone.now() - timedelta(days=91),
        expires_at=timezone.now() - timedelta(days=1),
    )
    birthday = card.applicant.date_of_birth
    assert check(landlord, revoked, birthday).result == "no_match"
    assert check(landlord, expired, birthday).result == "no_match"


def test_purpose_limitation(card, make_code, make_verifier):
    employer, bank = make_verifier("employer"), make_verifier("bank")
    rent = make_code("rent")
    with pytest.raises(WrongPurpose, match="right to rent"):
        check(employer, rent, card.applicant.date_of_birth)
    with pytest.raises(WrongPurpose):
        check(bank, rent, card.applicant.date_of_birth)
    assert check(employer, make_code("work"), card.applicant.date_of_birth).result == "valid"
    assert check(bank, make_code("bank"), card.applicant.date_of_birth).result == "valid"
    assert CardCheck.objects.count() == 2


def test_unapproved_and_suspended_organisations_cannot_check(card, make_code, make_verifier, staff):
    code = make_code("rent")
    pending = make_verifier(approved=False)
    with pytest.raises(NotAllowed, match="not approved"):
        check(pending, code, card.applicant.date_of_birth)
    active = make_verifier()
    services.organisation_decide(
        actor=staff["programme_admin"], organisation=org_of(active), status="suspended"
    )
    with pytest.raises(NotAllowed):
        check(active, code, card.applicant.date_of_birth)
    assert not CardCheck.objects.exists()


@pytest.mark.parametrize(
    ("code", "reason", "field"),
    [("R12", "Flat", "code"), ("X12345678", "Flat", "code"), ("R12345678", "   ", "reason")],
)
def test_bad_input_is_refused_before_anything_is_recorded(landlord, code, reason, field):
    with pytest.raises(InvalidInput) as caught:
        check(landlord, code, WRONG_BIRTHDAY, reason)
    assert caught.value.field == field
    assert not CardCheck.objects.exists()


# --- checks by QR --------------------------------------------------------------------------


def qr_check(user, payload, purpose="rent"):
    return services.check_by_qr(
        organisation=org_of(user), user=user, payload=payload, purpose=purpose, reason="Viewing"
    )


def test_a_qr_check_is_the_offline_verification(card, landlord, staff):
    payload = creds.latest(card, "rc1").payload
    recorded, verification = qr_check(landlord, payload)
    assert recorded.result == "valid" and verification.status == "valid"
    assert recorded.card_id == card.pk and recorded.valid_until == card.valid_until
    revoke_card(card, staff)
    recorded, verification = qr_check(landlord, payload)
    assert recorded.result == "not_valid" and recorded.detail == "revoked"
    events = AuditEvent.objects.filter(action="verification.qr_check").order_by("id")
    assert [(e.object_type, e.object_id) for e in events] == [
        ("verification.cardcheck", c.check_id)
        for c in CardCheck.objects.filter(method="qr").order_by("id")
    ]
    assert events[1].data["status"] == "revoked" and events[1].member_state == "FR"
    # Events written by the checks' own statement carry hashes the verifier recomputes.
    assert audit_chain_verify().ok


def test_a_forged_qr_shows_nothing(card, landlord):
    payload = creds.latest(card, "rc1").payload
    forged = payload[:-12] + ("A" if payload[-12] != "A" else "B") + payload[-11:]
    recorded, verification = qr_check(landlord, forged)
    assert recorded.result == "not_genuine" and recorded.card is None
    assert recorded.member_state == "" and verification.status in ("bad_signature", "malformed")
    # Text in the card's format whose layers do not decode is a possible forgery too.
    recorded, _ = qr_check(landlord, "RC1:" + payload[4:40])
    assert recorded.result == "not_genuine" and recorded.detail == "malformed"


def test_a_qr_code_that_is_not_a_cards_is_told_apart_from_a_forgery(card, landlord):
    """Pasting "hello world" is a wrong code scanned, not a forged card: a result of its own,
    in the check, its audit event and the counts by result."""
    from django.db.models import Count

    from relocard.audit.models import AuditEvent

    for text in ("hello world", "https://example.org/", "HC1:6BFOXN*TS0BI$ZD8UHYL"):
        recorded, verification = qr_check(landlord, text)
        assert recorded.result == "not_relocard" and verification.status == "not_relocard"
        assert recorded.card is None and recorded.member_state == ""
    payload = creds.latest(card, "rc1").payload
    forged = payload[:-12] + ("A" if payload[-12] != "A" else "B") + payload[-11:]
    qr_check(landlord, forged)
    event = AuditEvent.objects.filter(action="verification.qr_check").latest("id")
    assert event.data["result"] == "not_genuine"
    first = AuditEvent.objects.filter(action="verification.qr_check").earliest("id")
    assert first.data["result"] == "not_relocard" and first.data["status"] == "not_relocard"
    counts = dict(CardCheck.objects.values_list("result").annotate(n=Count("id")))
    assert counts == {"not_relocard": 3, "not_genuine": 1}


def test_the_holder_sees_checks_of_both_kinds(card, make_code, landlord, make_applicant):
    from relocard.verification import selectors

    code = make_code("rent")
    check(landlord, code, card.applicant.date_of_birth)
    check(landlord, code, WRONG_BIRTHDAY)
    qr_check(landlord, creds.latest(card, "rc1").payload)
    seen = list(selectors.holder_checks(card.applicant.user))
    assert [c.method for c in seen] == ["qr", "share_code", "share_code"]
    assert list(selectors.holder_checks(make_applicant().user)) == []
    assert list(selectors.holder_checks(landlord)) == []


# --- organisations, colleagues and API keys ------------------------------------------------


def test_registration_and_approval(make_verifier, staff):
    user = make_verifier("bank", approved=False)
    org = org_of(user)
    assert (user.role, user.member_state_id, org.status) == ("verifier", "FR", "pending")
    assert org.memberships.get().is_manager
    with pytest.raises(NotAllowed):
        services.organisation_decide(actor=staff["supervisor"], organisation=org, status="approved")
    with pytest.raises(NotAllowed):
        services.organisation_decide(actor=user, organisation=org, status="approved")
    services.organisation_decide(
        actor=staff["programme_admin"], organisation=org, status="approved"
    )
    with pytest.raises(InvalidState):
        services.organisation_decide(
            actor=staff["programme_admin"], organisation=org, status="approved"
        )
    assert AuditEvent.objects.filter(action="verifier.approved", object_id=str(org.pk)).exists()


def test_registration_refuses_what_it_cannot_use(make_verifier):
    make_verifier()
    with pytest.raises(InvalidInput) as caught:
        services.organisation_register(
            email="x@example.test", password="p" * 12, name="Bank", kind="bank", country="FR"
        )
    assert caught.value.field == "registration_number"
    with pytest.raises(InvalidInput) as caught:
        services.organisation_register(
            email="x@example.test", password="p" * 12, name="X", kind="ufo", country="FR"
        )
    assert caught.value.field == "kind"


def test_a_manager_adds_a_colleague_who_sets_a_password(make_verifier):
    manager = make_verifier("employer")
    mail.outbox.clear()
    colleague = services.member_add(actor=manager, email="Colleague@Example.test")
    assert colleague.email == "colleague@example.test" and not colleague.has_usable_password()
    assert org_of(colleague) == org_of(manager)
    assert any("/accounts/password-reset/" in m.body for m in mail.outbox)
    with pytest.raises(NotAllowed):
        services.member_add(actor=colleague, email="third@example.test")


def test_api_keys_are_hashed_shown_once_and_revocable(make_verifier):
    manager = make_verifier("bank")
    row, key = services.api_key_create(actor=manager, name="KYC")
    assert key.startswith("rck_") and len(key) > 40
    assert key not in str(ApiKey.objects.values().get()) and row.prefix == key[:12]
    assert services.api_key_authenticate(key) == row
    assert services.api_key_authenticate(key + "x") is None
    assert services.api_key_authenticate("nonsense") is None
    services.api_key_revoke(actor=manager, api_key=row)
    assert services.api_key_authenticate(key) is None
    pending = make_verifier("bank", approved=False)
    with pytest.raises(NotAllowed, match="approved"):
        services.api_key_create(actor=pending, name="KYC")


def test_the_stand_in_for_missing_codes_holds_nobodys_data(card, make_code, landlord):
    hotpath._STAND_IN_ROWS.clear()
    code = make_code("rent")
    check(landlord, code, card.applicant.date_of_birth)
    check(landlord, "R" + ("2" if code[1] != "2" else "3") + code[2:], WRONG_BIRTHDAY)
    kept = " ".join(str(v) for v in hotpath._STAND_IN_ROWS["share_code"])
    for secret in (
        card.applicant.surname_latin,
        card.applicant.given_names_latin,
        card.number,
        card.applicant.date_of_birth.isoformat(),
    ):
        assert secret not in kept
