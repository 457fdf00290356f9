"""Throttling and lockout for sign-in, sign-up, password reset and profile saves.

Counters live in Django's default cache, which every server process shares (Redis, or by
default a table in the database, see :mod:`relocard.common.cache`). Accounts and addresses
appear in cache keys only as keyed hashes (:func:`relocard.accounts.security.keyed_hash`).

Sign-in: attempts are counted per account (by the e-mail address typed, whether or not an
account has it, so that a lockout says nothing about existence) and per client address,
before the password is checked; a right password gives them back. An account past
``RELOCARD_SIGNIN_FAILURES_PER_ACCOUNT`` is locked for ``RELOCARD_LOCKOUT_SECONDS`` and its
holder is told by e-mail; an address past ``RELOCARD_SIGNIN_FAILURES_PER_IP`` is refused until
its window ends. A refused attempt is rejected before any password is hashed, so a flood of
wrong passwords costs a few cache calls each, not a hash each.

Sign-up, password reset and profile saves: fixed windows per address (and per e-mail address
for the e-mails they send, and per account for profile saves).
"""

from __future__ import annotations

import contextlib
import functools
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from relocard.accounts.security import client_address, keyed_hash


@dataclass(frozen=True, slots=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"10/900"``: 10 per 900 seconds."""
        count, _sep, seconds = str(text).partition("/")
        try:
            rate = cls(int(count), int(seconds or 60))
        except ValueError:
            raise ValueError(f"a rate limit is COUNT/SECONDS, e.g. 10/900, not {text!r}") from None
        if rate.count < 1 or rate.seconds < 1:
            raise ValueError(f"a rate limit needs a positive count and period, not {text!r}")
        return rate


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> Rate:
    return Rate.parse(text)


def rate(name: str) -> Rate:
    return _parsed(getattr(settings, name))


def _count(key: str, seconds: int) -> int:
    """Add one to a counter that expires ``seconds`` after its first hit."""
    try:
        return cache.incr(key)
    except ValueError:
        if cache.add(key, 1, seconds + 1):
            return 1
        try:
            return cache.incr(key)
        except ValueError:
            cache.set(key, 1, seconds + 1)
            return 1


def _window_key(scope: str, ident: str, r: Rate, now: float) -> tuple[str, float]:
    window = int(now // r.seconds)
    return f"thr:{scope}:{keyed_hash(ident)}:{window}", (window + 1) * r.seconds - now


def hit(scope: str, ident: str, setting: str) -> int | None:
    """Count one attempt; the seconds to wait when over the limit, else None."""
    r = rate(setting)
    key, left = _window_key(scope, ident, r, time.time())
    if _count(key, r.seconds) <= r.count:
        return None
    return max(1, math.ceil(left))


def _peek(scope: str, ident: str, setting: str) -> int | None:
    r = rate(setting)
    key, left = _window_key(scope, ident, r, time.time())
    if (cache.get(key) or 0) < r.count:
        return None
    return max(1, math.ceil(left))


def _account_ident(email: str) -> str:
    return (email or "").strip().lower()


def _lock_key(email: str) -> str:
    return f"thr:locked:{keyed_hash(_account_ident(email))}"


# --- sign-in -----------------------------------------------------------------------------------


def signin_wait(request, email: str) -> int | None:
    """Seconds before this account or address may try to sign in again, or None."""
    locked_until = cache.get(_lock_key(email))
    if locked_until is not None:
        return max(1, math.ceil(locked_until - time.time()))
    return _peek("signin-ip", client_address(request), "RELOCARD_SIGNIN_FAILURES_PER_IP")


def signin_begin(request, email: str) -> tuple[int | None, bool]:
    """Count a sign-in attempt *before* its password is checked.

    Counting before hashing closes the race in which many concurrent attempts all pass the
    check before the first failure is counted: an account or an address gets at most its
    limit of password checks per window, however many requests arrive at once. A successful
    sign-in gives its attempts back (:func:`signin_succeeded`). Returns the seconds to wait
    when the attempt is refused (else None), and whether this attempt locked the account.
    """
    wait = signin_wait(request, email)
    if wait is not None:
        return wait, False
    wait = hit("signin-ip", client_address(request), "RELOCARD_SIGNIN_FAILURES_PER_IP")
    if wait is not None:
        return wait, False
    ident = _account_ident(email)
    if not ident:
        return None, False
    r = rate("RELOCARD_SIGNIN_FAILURES_PER_ACCOUNT")
    if _count(_account_key(ident), r.seconds) <= r.count:
        return None, False
    lockout = settings.RELOCARD_LOCKOUT_SECONDS
    locked = cache.add(_lock_key(email), time.time() + lockout, lockout)
    cache.delete(_account_key(ident))
    return lockout, locked


def signin_failed(request, email: str) -> bool:
    """Count a failed password check made outside the sign-in page (the password-change
    form); True when it locked the account."""
    return signin_begin(request, email)[1]


def _account_key(ident: str) -> str:
    return f"thr:signin-account:{keyed_hash(ident)}"


def signin_succeeded(request, email: str) -> None:
    """A right password: the account's attempts, and this address's one, are given back."""
    cache.delete(_account_key(_account_ident(email)))
    if request is not None:
        r = rate("RELOCARD_SIGNIN_FAILURES_PER_IP")
        key, _left = _window_key("signin-ip", client_address(request), r, time.time())
        with contextlib.suppress(ValueError):
            cache.decr(key)


def unlock(email: str) -> None:
    cache.delete_many([_lock_key(email), f"thr:signin-account:{keyed_hash(_account_ident(email))}"])


# --- second factor -----------------------------------------------------------------------------


def otp_failed(user_id: int) -> int | None:
    return hit("otp-account", str(user_id), "RELOCARD_OTP_FAILURES_PER_ACCOUNT")


def otp_wait(user_id: int) -> int | None:
    return _peek("otp-account", str(user_id), "RELOCARD_OTP_FAILURES_PER_ACCOUNT")


# --- sign-up, password reset, profile ------------------------------------------------------------


def signup_wait(request) -> int | None:
    return hit("signup-ip", client_address(request), "RELOCARD_SIGNUP_RATE_PER_IP")


def reset_wait(request) -> int | None:
    return hit("reset-ip", client_address(request), "RELOCARD_RESET_RATE_PER_IP")


def email_allowed(kind: str, email: str) -> bool:
    """Whether one more e-mail of this kind may go to this address in the current window."""
    return hit(f"mail-{kind}", _account_ident(email), "RELOCARD_EMAIL_RATE_PER_ADDRESS") is None


def profile_wait(request) -> int | None:
    wait = hit("profile-ip", client_address(request), "RELOCARD_PROFILE_RATE_PER_IP")
    if wait is None and request.user.is_authenticated:
        wait = hit("profile-account", str(request.user.pk), "RELOCARD_PROFILE_RATE_PER_ACCOUNT")
    return wait


def wait_message(seconds: int) -> str:
    """What a throttled person reads: the same for every account and address."""
    minutes = max(1, (seconds + 59) // 60)
    return _(
        "Too many attempts from here or for this account. Wait %(minutes)s minutes and try again."
    ) % {"minutes": minutes}
