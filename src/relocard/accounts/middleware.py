"""Session limits and the second factor, enforced for every request in one place.

:class:`SessionPolicyMiddleware` ends a session idle for longer than its limit (staff and
verifiers ``RELOCARD_SESSION_IDLE_STAFF``, everyone else ``RELOCARD_SESSION_IDLE``) or older
than ``RELOCARD_SESSION_ABSOLUTE``, and records activity.

:class:`SecondFactorMiddleware` lets a signed-in user who needs a second factor (every staff
role, every verifier, every admin-site user; an applicant who added one) reach nothing but the
second-factor pages until they passed it: other pages redirect there (after enrolment, for an
account that has none yet). The verifiers' API is not concerned: it authenticates by API key,
a machine credential, never by session.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from relocard.accounts import sessions
from relocard.accounts.security import auth_event
from relocard.common.access import needs_second_factor
from relocard.common.languages import language_for, supported

API_PREFIX = "/api/"
#: Paths a signed-in user may reach before the second factor.
OPEN_PREFIXES = (
    "/accounts/second-factor/",
    "/accounts/passkeys/",
    "/accounts/logout/",
    "/static/",
    "/i18n/",
    "/api/",
)


def _login_url(request) -> str:
    return reverse("accounts:login") + "?" + urlencode({"next": request.get_full_path()})


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            return self.get_response(request)  # API keys, no sessions: load neither
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if sessions.expired(request):
                auth_event("auth.session_expired", user=user, request=request)
                logout(request)
                messages.info(request, _("Your session has ended. Sign in again."))
                return HttpResponseRedirect(_login_url(request))
            sessions.session_touched(request)
        return self.get_response(request)


def verified(user) -> bool:
    """Whether the session passed its second factor (False right after ``login()``, before
    django-otp's middleware has wrapped the user)."""
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())


def second_factor_pending(request) -> bool:
    user = request.user
    if not user.is_authenticated or verified(user):
        return False
    return needs_second_factor(user) or bool(request.session.get(sessions.FACTOR_PENDING))


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            not request.path.startswith(OPEN_PREFIXES)
            and getattr(request, "user", None) is not None
            and second_factor_pending(request)
        ):
            target = reverse("accounts:second_factor")
            return HttpResponseRedirect(target + "?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in person without a language cookie (a new browser, or staff who never used
    the switcher) reads the language stored on their account: their choice, or for staff who
    have not chosen, their member state's. The switcher sets the cookie and the account
    together, so the two agree; e-mails and PDFs follow the account. Anonymous visitors keep
    Django's choice (cookie, then the browser's Accept-Language)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            not request.path.startswith(API_PREFIX)
            and user is not None
            and user.is_authenticated
            and not supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        ):
            language = language_for(user)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
