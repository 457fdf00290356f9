"""The one password backend: counts the attempt and refuses a throttled one before hashing."""

from __future__ import annotations

import threading

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from relocard.accounts import throttle
from relocard.accounts.emails import send_lockout_notice
from relocard.accounts.models import User
from relocard.accounts.security import auth_event

#: Password checks running at once in this process. A hash (Argon2) costs tens of
#: milliseconds of CPU and 100 MB of memory: past this many at once, further attempts are
#: answered "busy, try again" at once instead of queueing, so that a flood of sign-ins from
#: many addresses cannot take every server thread from other requests.
_hashing = threading.BoundedSemaphore(getattr(settings, "RELOCARD_SIGNIN_CONCURRENCY", 2))
#: How long an attempt waits for a free slot before it is answered "busy".
WAIT_FOR_SLOT = 0.5


class ThrottledModelBackend(ModelBackend):
    """Django's model backend behind the sign-in throttle (:mod:`relocard.accounts.throttle`).

    The attempt is counted first; a refused one (locked account, throttled address, no free
    hashing slot) raises ``PermissionDenied``, which ends ``authenticate()`` before any password
    is hashed, and marks the request (``relocard_signin_refused``) so that the sign-in page can
    say why. Every caller of ``authenticate()`` (the sign-in pages, the admin site,
    re-authentication) passes through here.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if request is not None:
            wait, locked = throttle.signin_begin(request, username or "")
            if locked:
                account_locked(request, username or "")
            if wait is not None:
                request.relocard_signin_refused = ("throttled", wait)
                raise PermissionDenied("throttled")
        if not _hashing.acquire(timeout=WAIT_FOR_SLOT):
            if request is not None:
                request.relocard_signin_refused = ("busy", 5)
            raise PermissionDenied("busy")
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        finally:
            _hashing.release()


def account_locked(request, email: str) -> None:
    """Record a lockout and tell the holder of the account (if the address has one)."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    auth_event("auth.locked", user=user, request=request)
    if user is not None:
        send_lockout_notice.enqueue(user.pk)
