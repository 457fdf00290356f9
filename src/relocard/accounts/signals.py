"""Receivers of Django's sign-in signals: throttle counters, session records, audit events,
and the language chosen before signing in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from relocard.accounts import services, sessions, throttle
from relocard.accounts.models import User
from relocard.accounts.security import auth_event
from relocard.common.languages import supported


@receiver(user_logged_in, dispatch_uid="relocard.accounts.signed_in")
def _signed_in(sender, request, user, **kwargs):
    throttle.signin_succeeded(request, user.email)
    if request is not None and hasattr(request, "session"):
        sessions.session_started(request, user)
    auth_event("auth.signed_in", user=user, request=request)
    # A language chosen with the switcher before signing in is the person's choice (only the
    # switcher sets the cookie): the account keeps it, for e-mails and PDFs too.
    chosen = supported(getattr(request, "COOKIES", {}).get(settings.LANGUAGE_COOKIE_NAME))
    if chosen and chosen != user.preferred_language:
        services.user_set_language(user=user, language=chosen)


@receiver(user_login_failed, dispatch_uid="relocard.accounts.signin_failed")
def _signin_failed(sender, credentials, request=None, **kwargs):
    if request is not None and getattr(request, "relocard_signin_refused", None):
        return  # refused before hashing (counted; a lockout was recorded once)
    email = str(credentials.get("username") or credentials.get("email") or "")
    user = User.objects.filter(email__iexact=email.strip()).first() if email else None
    # The attempt was counted before its password was checked (the backend).
    auth_event("auth.signin_failed", user=user, request=request)


@receiver(user_logged_out, dispatch_uid="relocard.accounts.signed_out")
def _signed_out(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.session_ended(request.session.session_key)
    if user is not None:
        auth_event("auth.signed_out", user=user, request=request)
