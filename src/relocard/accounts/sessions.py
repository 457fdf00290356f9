"""Signed-in sessions: their limits, their records, and ending them (one or all).

Each session keeps in itself when it started, when it was last active (written at most once a
minute), when its holder last typed their password and passed their second factor. A
:class:`~relocard.accounts.models.SessionRecord` row names it for the holder's list of
sessions; ending a session deletes it from Django's session store and its row.
"""

from __future__ import annotations

import time
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from relocard.accounts.models import SessionRecord
from relocard.accounts.security import auth_event, client_address, keyed_hash
from relocard.accounts.selectors import has_factor
from relocard.common.access import needs_second_factor

STARTED = "relocard_started"
LAST_SEEN = "relocard_last_seen"
#: When the password was last typed, and the second factor last passed (epoch seconds).
PASSWORD_AT = "relocard_password_at"  # noqa: S105 (a session key name)
FACTOR_AT = "relocard_factor_at"
#: Set at sign-in when the account has a second factor it chose (an applicant's), so that
#: the second factor is asked for even though the role does not require it.
FACTOR_PENDING = "relocard_factor_pending"
#: Seconds between writes of the last-seen time.
TOUCH_EVERY = 60


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def browser_label(user_agent: str) -> str:
    """A short, coarse description of a browser: enough to recognise one's own devices."""
    ua = user_agent or ""
    browser = next(
        (
            name
            for token, name in (
                ("Edg/", "Edge"),
                ("OPR/", "Opera"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Chromium/", "Chromium"),
                ("Safari/", "Safari"),
            )
            if token in ua
        ),
        "",
    )
    system = next(
        (
            name
            for token, name in (
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Mac OS X", "macOS"),
                ("Linux", "Linux"),
            )
            if token in ua
        ),
        "",
    )
    return " / ".join(p for p in (browser, system) if p)[:80]


def session_started(request, user) -> None:
    """Called at every sign-in (the session key has just been cycled)."""
    now = time.time()
    session = request.session
    session[STARTED] = now
    session[LAST_SEEN] = now
    session[PASSWORD_AT] = now
    session.pop(FACTOR_AT, None)
    session[FACTOR_PENDING] = has_factor(user)
    if session.session_key is None:
        session.save()
    SessionRecord.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "browser": browser_label(request.META.get("HTTP_USER_AGENT", "")),
            "address_hash": keyed_hash(client_address(request)),
        },
    )


def session_touched(request) -> None:
    """Record activity, at most once a minute."""
    now = time.time()
    if now - request.session.get(LAST_SEEN, 0) < TOUCH_EVERY:
        return
    request.session[LAST_SEEN] = now
    SessionRecord.objects.filter(session_key=request.session.session_key).update(
        last_seen_at=timezone.now()
    )


def session_ended(session_key: str | None) -> None:
    if session_key:
        SessionRecord.objects.filter(session_key=session_key).delete()


def idle_limit(user) -> int:
    if needs_second_factor(user):
        return settings.RELOCARD_SESSION_IDLE_STAFF
    return settings.RELOCARD_SESSION_IDLE


def expired(request) -> bool:
    """Whether the session has been idle too long or has reached its absolute age."""
    now = time.time()
    session = request.session
    started = session.get(STARTED)
    if started is None:
        return True  # a session from before these limits, or forged: start again
    if now - started > settings.RELOCARD_SESSION_ABSOLUTE:
        return True
    return now - session.get(LAST_SEEN, started) > idle_limit(request.user)


def user_sessions(user):
    """The user's sessions, most recently active first."""
    return SessionRecord.objects.filter(user=user).order_by("-last_seen_at")


def sessions_end(*, actor, user, keep: str | None = None, only: int | None = None) -> int:
    """End the user's sessions (all but ``keep``, or the one record ``only``); the count."""
    records = SessionRecord.objects.filter(user=user)
    if only is not None:
        records = records.filter(pk=only)
    if keep:
        records = records.exclude(session_key=keep)
    store = _store()
    with transaction.atomic():
        keys = list(records.values_list("session_key", flat=True))
        for key in keys:
            store(session_key=key).delete()
        SessionRecord.objects.filter(session_key__in=keys).delete()
        auth_event(
            "auth.signed_out_everywhere" if only is None else "auth.session_ended",
            user=user,
            data={"sessions": len(keys), "by": getattr(actor, "pk", None)},
        )
    return len(keys)


def reauthenticated_recently(request) -> bool:
    """Whether password and second factor were both given within RELOCARD_REAUTH_SECONDS."""
    now = time.time()
    window = settings.RELOCARD_REAUTH_SECONDS
    session = request.session
    if now - session.get(PASSWORD_AT, 0) > window:
        return False
    if needs_second_factor(request.user) or session.get(FACTOR_PENDING):
        return now - session.get(FACTOR_AT, 0) <= window
    return True


def mark_password(request) -> None:
    request.session[PASSWORD_AT] = time.time()


def mark_factor(request) -> None:
    request.session[FACTOR_AT] = time.time()
    request.session[FACTOR_PENDING] = True
