"""Findings 2 and 3: account enumeration, no rate limits, no lockout, unaudited sign-ins."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from relocard.accounts.models import Role, User
from relocard.audit.models import AuditEvent

PASSWORD = "a-long-test-password"


def _sign_in(client, email, password, ip="203.0.113.7"):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip
    )


def test_wrong_passwords_lock_the_account_and_its_holder_is_told(client, make_user):
    user = make_user(Role.CASEWORKER)
    mail.outbox.clear()
    statuses = [_sign_in(client, user.email, f"wrong-{i}").status_code for i in range(125)]
    assert statuses[:10] == [400] * 10
    assert set(statuses[10:]) == {429}
    # The right password no longer works while the account is locked.
    response = _sign_in(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "Wait" in response.content.decode()
    assert response["Retry-After"]
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "paused" in mail.outbox[0].subject
    actions = list(
        AuditEvent.objects.filter(object_id=str(user.pk)).values_list("action", flat=True)
    )
    assert actions.count("auth.signin_failed") == 10
    assert actions.count("auth.locked") == 1


def test_a_locked_account_is_refused_before_any_password_is_hashed(client, make_user, settings):
    settings.RELOCARD_SIGNIN_FAILURES_PER_ACCOUNT = "3/900"
    user = make_user(Role.CASEWORKER)
    for i in range(3):
        _sign_in(client, user.email, f"wrong-{i}")
    with (
        mock.patch("django.contrib.auth.hashers.check_password") as check,
        mock.patch("django.contrib.auth.base_user.check_password") as check2,
    ):
        for i in range(20):
            assert _sign_in(client, user.email, f"again-{i}").status_code == 429
    assert check.call_count == 0 and check2.call_count == 0


def test_an_unknown_address_locks_like_a_known_one(client, make_user, settings):
    settings.RELOCARD_SIGNIN_FAILURES_PER_ACCOUNT = "3/900"
    known = make_user(Role.CASEWORKER)
    for email in (known.email, "nobody@example.test"):
        codes = [
            _sign_in(client, email, f"wrong-{i}", ip="198.51.100.9").status_code for i in range(5)
        ]
        assert codes == [400, 400, 400, 429, 429], email


def test_one_address_trying_many_accounts_is_stopped(client, make_user, settings):
    settings.RELOCARD_SIGNIN_FAILURES_PER_IP = "5/900"
    codes = [
        _sign_in(client, f"person{i}@example.test", "wrong", ip="192.0.2.1").status_code
        for i in range(8)
    ]
    assert codes == [400] * 5 + [429] * 3
    # Another address is not concerned.
    assert _sign_in(client, "person@example.test", "wrong", ip="192.0.2.2").status_code == 400


def test_sign_in_events_carry_no_address_and_no_email(client, make_user):
    user = make_user(Role.CASEWORKER)
    _sign_in(client, user.email, "wrong", ip="203.0.113.99")
    _sign_in(client, user.email, PASSWORD, ip="203.0.113.99")
    events = AuditEvent.objects.filter(action__startswith="auth.")
    assert {e.action for e in events} >= {"auth.signin_failed", "auth.signed_in"}
    for event in events:
        text = f"{event.actor_label} {event.data}"
        assert user.email not in text and "203.0.113.99" not in text
        assert event.actor_label in ("", "system", f"#{user.pk}")
        assert len(event.data["address"]) == 16


def test_sign_up_answers_the_same_for_a_new_and_a_known_address(client, make_user):
    known = make_user()
    pages = []
    for email in (known.email, "new-person@example.test"):
        response = client.post(reverse("accounts:signup"), {"email": email})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        pages.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page))
    assert pages[0] == pages[1]
    assert "already have" in mail.outbox[0].subject
    assert "Create your" in mail.outbox[1].subject
    assert User.objects.filter(email="new-person@example.test").count() == 0


def test_sign_up_verifies_the_address_before_the_account_exists(client, db):
    client.post(reverse("accounts:signup"), {"email": "Olga@Example.test"})
    link = next(line for line in mail.outbox[-1].body.split() if "/signup/confirm/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200
    response = client.post(
        "/" + path, {"password": "correct horse battery", "password_again": "correct horse battery"}
    )
    assert response["Location"] == reverse("portal:profile")
    assert User.objects.get(email="olga@example.test").check_password("correct horse battery")
    # The link cannot make the account twice, nor be forged.
    assert client.get("/" + path).status_code in (200, 302)
    assert client.get("/accounts/signup/confirm/forged/").status_code == 400


def test_sign_up_and_its_emails_are_rate_limited(client, settings, db):
    settings.RELOCARD_SIGNUP_RATE_PER_IP = "5/3600"
    codes = [
        client.post(
            reverse("accounts:signup"), {"email": "x@example.test"}, REMOTE_ADDR="192.0.2.5"
        ).status_code
        for _i in range(7)
    ]
    assert codes == [302] * 5 + [400] * 2
    assert len(mail.outbox) == 3  # RELOCARD_EMAIL_RATE_PER_ADDRESS: 3 an hour to one address


def test_password_reset_does_the_same_work_for_known_and_unknown_addresses(client, make_user):
    known = make_user(Role.CASEWORKER)
    with mock.patch("relocard.accounts.views.send_password_reset") as task:
        responses = [
            client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=ip)
            for email, ip in ((known.email, "192.0.2.10"), ("nobody@example.test", "192.0.2.11"))
        ]
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0]["Location"] == responses[1]["Location"]
    # The same task, with the address alone: the lookup happens in the worker.
    assert [c.args for c in task.enqueue.call_args_list] == [
        (known.email, "en"),
        ("nobody@example.test", "en"),
    ]


def test_password_reset_emails_to_one_address_are_limited(client, make_user):
    user = make_user(Role.CASEWORKER)
    for i in range(10):
        client.post(
            reverse("accounts:password_reset"), {"email": user.email}, REMOTE_ADDR=f"192.0.2.{i}"
        )
    assert len(mail.outbox) == 3


def test_password_reset_is_rate_limited_per_address(client, settings, db):
    settings.RELOCARD_RESET_RATE_PER_IP = "3/3600"
    codes = [
        client.post(
            reverse("accounts:password_reset"),
            {"email": f"p{i}@example.test"},
            REMOTE_ADDR="192.0.2.77",
        ).status_code
        for i in range(5)
    ]
    assert codes == [302, 302, 302, 200, 200]


def test_profile_saves_are_rate_limited(client, make_applicant, settings):
    settings.RELOCARD_PROFILE_RATE_PER_ACCOUNT = "3/3600"
    user = make_applicant().user
    client.force_login(user)
    codes = [
        client.post(reverse("portal:profile"), {"surname_cyrillic": "x"}).status_code
        for _i in range(5)
    ]
    assert codes[3:] == [400, 400]
    assert "Too many attempts" in client.post(reverse("portal:profile"), {}).content.decode()


@pytest.mark.parametrize("hasher", ["pbkdf2_sha256"])
def test_an_old_password_hash_is_upgraded_to_argon2_at_sign_in(client, make_user, settings, hasher):
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = make_user()
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher=hasher))
    assert _sign_in(client, user.email, PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


def test_adding_a_colleague_says_nothing_about_existing_accounts(client, make_user):
    from relocard.verification import services as vs
    from relocard.verification.models import VerifierMembership

    manager = vs.organisation_register(
        email="boss@bank.example",
        password="a-long-test-password",
        name="Bank",
        kind="bank",
        country="FR",
        registration_number="RCS 1",
    )
    taken = make_user(Role.CASEWORKER)
    client.force_login(manager)
    pages = []
    for email in (taken.email, "new.colleague@bank.example"):
        response = client.post(
            reverse("verification:organisation"), {"form": "member", "email": email}, follow=True
        )
        assert response.status_code == 200
        text = response.content.decode()
        pages.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text))
    assert pages[0] == pages[1]
    assert not VerifierMembership.objects.filter(user=taken).exists()
    assert "already have" in mail.outbox[0].subject


def test_the_embassy_form_does_not_say_an_address_is_staff(staff, make_user):
    from relocard.cases import walkins as cs

    with pytest.raises(Exception) as exc:
        cs.embassy_case_open(
            actor=staff["consular_officer"], email=staff["caseworker"].email, profile={}
        )
    assert "staff" not in str(exc.value)
