"""Staff sign in with a second factor: an authenticator app (TOTP), and a passkey on a virtual
WebAuthn authenticator through Chromium's DevTools protocol."""

from __future__ import annotations

import re

import pyotp
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect
from tests.e2e.conftest import PASSWORD

from relocard.accounts.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


def _caseworker(make_user):
    user = make_user(Role.CASEWORKER)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def test_first_sign_in_enrols_an_authenticator_app(journey, make_user):
    user = _caseworker(make_user)
    TOTPDevice.objects.filter(user=user).delete()
    page = journey.page
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    journey.check("totp-setup")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert page.locator("#recovery-codes li").count() == 10
    journey.check("recovery-codes")
    page.get_by_role("link", name="I have kept them, continue").click()
    expect(page.get_by_role("link", name="Case queue")).to_be_visible()
    # The account's security pages, on a phone too.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/accounts/security/")
    expect(page.get_by_text("10 recovery codes left.")).to_be_visible()
    journey.check("security-390")
    page.get_by_role("link", name="See your sessions, or sign out everywhere").click()
    expect(page.get_by_text("(this browser)")).to_be_visible()
    journey.check("sessions-390")
    page.set_viewport_size({"width": 1100, "height": 900})
    journey.sign_out()
    # The next sign-in asks for a code from the app.
    page.goto("/console/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    journey.check("second-factor")
    page.get_by_label("Code").fill("000000")
    page.locator("main").get_by_role("button", name="Continue").click()
    expect(page.locator("#id_code_error")).to_contain_text("That code is not right")
    page.wait_for_timeout(1200)  # django-otp's back-off after a wrong code
    journey.pass_second_factor(user.email)
    expect(page).to_have_url(re.compile(r"/console/$"))


def test_a_passkey_on_a_virtual_authenticator(journey, make_user):
    user = _caseworker(make_user)
    page = journey.page
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    journey.sign_in(user.email)
    page.goto("/accounts/security/passkey/")
    journey.check("passkey-add")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator("#passkey-register-status-message")).to_have_text(re.compile(r"\S"))
    assert WebAuthnCredential.objects.filter(user=user, confirmed=True).count() == 1
    journey.sign_out()
    page.goto("/accounts/login/?next=/console/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Use my passkey")).to_be_visible()
    # The button is in the page before its script has run: a click before the page's "load"
    # event reached no handler now and then.
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Use my passkey").click()
    # The ceremony is three round trips (options, the authenticator, the answer): on a loaded
    # 2-core machine they took longer than the default 5 s once.
    expect(page).to_have_url(re.compile(r"/console/$"), timeout=20_000)
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Confirm it is you")
