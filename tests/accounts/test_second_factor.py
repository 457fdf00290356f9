"""Finding 3: no staff role, no verifier and not the admin site had a second factor."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.conftest import totp_code, totp_device

from relocard.accounts import factors
from relocard.accounts.models import FactorReset, RecoveryCode, Role
from relocard.audit.models import AuditEvent
from relocard.common.errors import InvalidInput

PASSWORD = "a-long-test-password"


def _sign_in(client, user, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": user.email, "password": password})


@pytest.mark.parametrize(
    "role",
    [
        Role.CONSULAR_OFFICER,
        Role.CASEWORKER,
        Role.SUPERVISOR,
        Role.AUDITOR,
        Role.PROGRAMME_ADMIN,
        Role.VERIFIER,
    ],
)
def test_the_password_alone_reaches_no_staff_page(client, make_user, role):
    user = make_user(role)
    response = _sign_in(client, user)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:second_factor"))
    for path in ("/console/", "/admin/", "/verify/", "/accounts/security/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("accounts:second_factor")), path


def test_the_admin_site_signs_in_through_the_platform(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_code_from_the_app_opens_the_console(client, make_user):
    user = make_user(Role.CASEWORKER)
    _sign_in(client, user)
    url = reverse("accounts:second_factor") + "?next=/console/"
    assert client.post(url, {"code": "000000"}).status_code == 400
    time.sleep(1.1)  # django-otp's own back-off after a wrong code
    response = client.post(url, {"code": totp_code(totp_device(user))})
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert client.get("/console/").status_code == 200
    actions = list(
        AuditEvent.objects.filter(object_id=str(user.pk)).values_list("action", flat=True)
    )
    assert actions == [
        "auth.signed_in",
        "auth.second_factor_failed",
        "auth.second_factor_passed",
    ]


def test_first_sign_in_enrols_an_app_and_gives_recovery_codes(client, make_user):
    user = make_user(Role.SUPERVISOR)
    TOTPDevice.objects.filter(user=user).delete()
    _sign_in(client, user)
    response = client.get(reverse("accounts:second_factor") + "?next=/console/")
    assert response["Location"].startswith(reverse("accounts:totp_setup"))
    page = client.get(response["Location"])
    secret = page.context["secret"].replace(" ", "")
    assert 'src="data:image/svg+xml' in page.content.decode()
    wrong = client.post(response["Location"], {"code": "123456"})
    assert wrong.status_code == 400
    time.sleep(1.1)  # django-otp's own back-off after a wrong code
    done = client.post(response["Location"], {"code": pyotp.TOTP(secret).now()})
    assert done["Location"].startswith(reverse("accounts:recovery_codes"))
    codes = client.get(done["Location"]).context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/console/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.factor_enrolled", object_id=str(user.pk)).exists()

    # A recovery code signs in once, and only once.
    client.post(reverse("accounts:logout"))
    _sign_in(client, user)
    url = reverse("accounts:second_factor")
    assert client.post(url, {"code": codes[0]}).status_code == 302
    client.post(reverse("accounts:logout"))
    _sign_in(client, user)
    assert client.post(url, {"code": codes[0]}).status_code == 400
    assert RecoveryCode.objects.filter(device__user=user).count() == 9
    # Only a salted hash of each code's secret is kept.
    stored = " ".join(RecoveryCode.objects.values_list("digest", flat=True))
    assert all(code.split("-", 1)[1].replace("-", "") not in stored for code in codes)
    assert stored.startswith("pbkdf2_sha256$100000$")


def test_an_applicant_needs_no_second_factor_but_may_add_one(client, make_applicant):
    user = make_applicant().user
    response = _sign_in(client, user)
    assert response["Location"] == reverse("home")
    assert client.get(reverse("portal:dashboard")).status_code == 200
    totp_device(user)
    client.post(reverse("accounts:logout"))
    response = _sign_in(client, user)
    assert response["Location"].startswith(reverse("accounts:second_factor"))
    assert client.get(reverse("portal:dashboard")).status_code == 302


def test_wrong_codes_are_throttled_per_account(client, make_user, settings):
    settings.RELOCARD_OTP_FAILURES_PER_ACCOUNT = "3/300"
    user = make_user(Role.CASEWORKER)
    _sign_in(client, user)
    url = reverse("accounts:second_factor")
    for _i in range(3):
        client.post(url, {"code": "111111"})
    response = client.post(url, {"code": totp_code(totp_device(user))})
    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()


def test_a_factor_is_reset_with_four_eyes_only(client, staff, make_user):
    lost = staff["caseworker"]
    first, second = staff["supervisor"], staff["supervisor2"]
    reset = factors.factor_reset_propose(actor=first, email=lost.email, reason="Phone stolen.")
    with pytest.raises(Exception, match="Another supervisor"):
        factors.factor_reset_confirm(actor=first, reset_id=reset.pk)
    assert TOTPDevice.objects.filter(user=lost).exists()
    # The page offers the confirmation to the second supervisor only (the access module says).
    client.force_login(first)
    assert "Confirm the reset" not in client.get(reverse("accounts:factor_resets")).content.decode()
    client.force_login(second)
    assert "Confirm the reset" in client.get(reverse("accounts:factor_resets")).content.decode()
    # Through the page, after re-authentication: the second supervisor confirms.
    response = client.post(reverse("accounts:factor_reset_decide", args=[reset.pk, "confirm"]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=lost).exists()
    reset.refresh_from_db()
    assert reset.status == "confirmed" and reset.decided_by == second
    actions = set(
        AuditEvent.objects.filter(object_id=str(lost.pk)).values_list("action", flat=True)
    )
    assert {"auth.factor_reset_proposed", "auth.factor_reset_confirmed"} <= actions


@pytest.mark.parametrize("who", ["caseworker", "supervisor_de", "auditor"])
def test_no_one_else_may_propose_a_reset_and_the_answer_names_no_account(staff, who):
    for email in (staff["caseworker"].email, "nobody@example.test"):
        with pytest.raises(Exception) as exc:
            factors.factor_reset_propose(actor=staff[who], email=email, reason="Lost.")
        assert (
            str(exc.value)
            == "You cannot reset the second factor of this account. Check the address."
        )
    assert not FactorReset.objects.exists()


def test_verifier_and_admin_factors_are_reset_by_programme_admins(staff, make_user):
    verifier = make_user(Role.VERIFIER)
    admin2 = make_user(Role.PROGRAMME_ADMIN)
    reset = factors.factor_reset_propose(
        actor=staff["programme_admin"], email=verifier.email, reason="Key lost."
    )
    factors.factor_reset_confirm(actor=admin2, reset_id=reset.pk)
    assert not TOTPDevice.objects.filter(user=verifier).exists()
    with pytest.raises(InvalidInput):
        factors.factor_reset_propose(actor=staff["supervisor"], email=verifier.email, reason="x")


def test_the_only_factor_of_a_staff_account_cannot_be_removed(client, staff):
    user = staff["caseworker"]
    client.force_login(user)
    device = totp_device(user)
    client.post(reverse("accounts:factor_remove"), {"kind": "totp", "device": device.pk})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_an_applicant_who_removes_their_only_factor_is_not_asked_for_it(client, make_applicant):
    user = make_applicant().user
    device = totp_device(user)
    client.force_login(user)
    client.post(reverse("accounts:factor_remove"), {"kind": "totp", "device": device.pk})
    assert not TOTPDevice.objects.filter(user=user).exists()
    response = client.get(reverse("portal:dashboard"), follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse("portal:dashboard")
