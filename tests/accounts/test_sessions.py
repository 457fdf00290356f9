"""Finding 8: sessions of 8 hours with no idle timeout, no re-authentication, no password page."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from tests.conftest import SecondFactorClient, totp_code, totp_device

from relocard.accounts import sessions
from relocard.accounts.models import Role, SessionRecord
from relocard.audit.models import AuditEvent

PASSWORD = "a-long-test-password"


def _age(client, **seconds_ago):
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[getattr(sessions, key)] = now - ago
    session.save()


@pytest.mark.parametrize(
    ("role", "path", "idle_ok", "idle_out"),
    [
        (Role.CASEWORKER, "/console/", 29 * 60, 31 * 60),
        (Role.APPLICANT, "/apply/", 119 * 60, 121 * 60),
    ],
)
def test_an_idle_session_ends(client, make_user, role, path, idle_ok, idle_out):
    user = make_user(role)
    client.force_login(user)
    _age(client, LAST_SEEN=idle_ok)
    assert client.get(path).status_code in (200, 302)
    assert client.get(path).wsgi_request.user.is_authenticated
    _age(client, LAST_SEEN=idle_out)
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not client.get(path).wsgi_request.user.is_authenticated
    assert AuditEvent.objects.filter(action="auth.session_expired", object_id=str(user.pk)).exists()


def test_idle_limits_come_from_the_settings(client, make_user, settings):
    settings.RELOCARD_SESSION_IDLE_STAFF = 60
    client.force_login(make_user(Role.AUDITOR))
    _age(client, LAST_SEEN=90)
    assert client.get("/console/").status_code == 302


def test_a_session_has_an_absolute_limit(client, make_user, settings):
    settings.RELOCARD_SESSION_ABSOLUTE = 3600
    client.force_login(make_user(Role.CASEWORKER))
    _age(client, STARTED=3601, LAST_SEEN=10)
    assert client.get("/console/")["Location"].startswith("/accounts/login/")


def test_sessions_are_listed_and_ended_everywhere(make_user):
    user = make_user(Role.CASEWORKER)
    laptop, phone = SecondFactorClient(), SecondFactorClient()
    laptop.force_login(user)
    phone.force_login(user)
    assert SessionRecord.objects.filter(user=user).count() == 2
    page = laptop.get(reverse("accounts:sessions"))
    assert page.status_code == 200 and len(page.context["records"]) == 2
    # Sign the phone out from the laptop, then everything.
    other = SessionRecord.objects.exclude(session_key=laptop.session.session_key).get()
    laptop.post(reverse("accounts:sessions"), {"session": other.pk})
    assert not phone.get("/console/").wsgi_request.user.is_authenticated
    laptop.post(reverse("accounts:sessions"), {"everywhere": "1"})
    assert not laptop.get("/console/").wsgi_request.user.is_authenticated
    assert not SessionRecord.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="auth.signed_out_everywhere").exists()


def test_the_password_change_page(make_user):
    user = make_user(Role.CASEWORKER)
    here, elsewhere = SecondFactorClient(), SecondFactorClient()
    here.force_login(user)
    elsewhere.force_login(user)
    url = reverse("accounts:password_change")
    assert here.get(url).status_code == 200
    bad = here.post(
        url, {"old_password": "nope", "new_password1": "short", "new_password2": "short"}
    )
    assert bad.status_code == 400
    new = "a-new-long-password-42"
    ok = here.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert ok.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert here.get("/console/").status_code == 200
    assert not elsewhere.get("/console/").wsgi_request.user.is_authenticated
    assert AuditEvent.objects.filter(action="auth.password_changed").exists()


def test_a_decision_needs_a_recent_password_and_code_and_keeps_the_form(client, make_case, staff):
    app = make_case("in_review")
    cw = staff["caseworker"]
    client.force_login(cw)
    _age(client, PASSWORD_AT=3600, FACTOR_AT=3600)
    url = reverse("console:approve", args=[app.reference])
    response = client.post(url, {"version": app.version})
    assert response.status_code == 403
    assert 'name="version"' in response.content.decode()
    app.refresh_from_db()
    assert app.state == "in_review"
    wrong = client.post(url, {"version": app.version, "reauth_password": "nope"})
    assert wrong.status_code == 400
    response = client.post(
        url,
        {
            "version": app.version,
            "reauth_password": PASSWORD,
            "reauth_code": totp_code(totp_device(cw)),
        },
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == "approved"
    assert AuditEvent.objects.filter(action="auth.reauthenticated").exists()


def test_recovery_codes_and_new_factors_need_re_authentication(client, staff):
    client.force_login(staff["caseworker"])
    _age(client, PASSWORD_AT=3600, FACTOR_AT=3600)
    assert client.post(reverse("accounts:recovery_codes")).status_code == 403
    response = client.get(reverse("accounts:totp_setup"))
    assert response["Location"].startswith(reverse("accounts:reauth"))


def test_an_admin_signs_a_user_out_everywhere(client, make_user):
    user = make_user(Role.CASEWORKER)
    victim = SecondFactorClient()
    victim.force_login(user)
    admin = make_user(Role.PROGRAMME_ADMIN, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/", {"action": "end_sessions", "_selected_action": [user.pk]}
    )
    assert response.status_code == 302
    assert not victim.get("/console/").wsgi_request.user.is_authenticated
    assert AuditEvent.objects.filter(
        action="auth.signed_out_everywhere", object_id=str(user.pk)
    ).exists()
