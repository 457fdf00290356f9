"""Passkeys (WebAuthn) through django-otp-webauthn, as a second factor after the password.

The library's views run the ceremonies; the subclasses here decide who may register (an
account without any factor yet, at its enrolment, or a session that re-authenticated
recently) and write the audit events. Passwordless sign-in is off: a passkey is a second
factor, after the password and its throttle.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions, views
from django_otp_webauthn.helpers import WebAuthnHelper
from rest_framework.exceptions import PermissionDenied

from relocard.accounts import sessions, throttle
from relocard.accounts.middleware import verified
from relocard.accounts.security import auth_event
from relocard.accounts.selectors import has_factor


class Helper(WebAuthnHelper):
    def get_allowed_origins(self) -> list[str]:
        origins = list(super().get_allowed_origins())
        # Without https (the demo, the browser tests), any port of http://localhost.
        if not settings.RELOCARD_BASE_URL.startswith("https://"):
            host = self.request.get_host()
            if host.split(":")[0] == "localhost":
                origins.append(f"http://{host}")
        return origins


class BeginRegistration(views.BeginCredentialRegistrationView):
    def check_can_register(self):
        _may_register(self.request)


class CompleteRegistration(views.CompleteCredentialRegistrationView):
    def check_can_register(self):
        _may_register(self.request)

    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        sessions.mark_factor(self.request)
        auth_event(
            "auth.factor_enrolled",
            user=self.request.user,
            request=self.request,
            data={"kind": "passkey"},
        )
        return response


def _may_register(request) -> None:
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied()
    if not has_factor(user):
        return  # first enrolment, right after the password
    if verified(user) and sessions.reauthenticated_recently(request):
        return
    raise PermissionDenied("Confirm your password and second factor again first.")


class BeginAuthentication(views.BeginCredentialAuthenticationView):
    def check_can_authenticate(self):
        if not self.request.user.is_authenticated:
            raise exceptions.PasswordlessLoginDisabled()
        if throttle.otp_wait(self.request.user.pk) is not None:
            raise PermissionDenied("Too many attempts. Wait a few minutes.")
        super().check_can_authenticate()


class CompleteAuthentication(views.CompleteCredentialAuthenticationView):
    def check_can_authenticate(self):
        if not self.request.user.is_authenticated:
            raise exceptions.PasswordlessLoginDisabled()
        super().check_can_authenticate()

    def post(self, *args, **kwargs):
        try:
            response = super().post(*args, **kwargs)
        except Exception:
            throttle.otp_failed(self.request.user.pk)
            auth_event(
                "auth.second_factor_failed",
                user=self.request.user,
                request=self.request,
                data={"kind": "passkey"},
            )
            raise
        sessions.mark_factor(self.request)
        auth_event(
            "auth.second_factor_passed",
            user=self.request.user,
            request=self.request,
            data={"kind": "passkey"},
        )
        return response


#: Mounted at ``accounts/passkeys/`` under the library's own namespace (its template tags
#: reverse ``otp_webauthn:...``).
urlpatterns = [
    path(
        "registration/begin/",
        BeginRegistration.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        CompleteRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        BeginAuthentication.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
