"""Rate limits on checks, per organisation and per IP address, counted in Django's cache.

A fixed window per limit: each request increments the window's counter, one cache call per
limit (the window's first request also creates it, to expire with the window). The default
cache, a table in the database (or Redis with ``RELOCARD_REDIS_URL``), is shared by every
server process, so N processes together allow the limit once. The limits are
settings (``RELOCARD_CHECK_RATE_PER_IP``, ``RELOCARD_CHECK_RATE_PER_ORGANISATION``,
``RELOCARD_CONFIRM_RATE_PER_IP``), written ``COUNT/SECONDS``, e.g. ``30/60``; the benchmark
raises them.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from relocard.verification.errors import RateLimited


@dataclass(frozen=True, slots=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"30/60"``: 30 requests per 60 seconds."""
        count, _sep, seconds = str(text).partition("/")
        try:
            rate = cls(int(count), int(seconds or 60))
        except ValueError:
            raise ValueError(f"a rate limit is COUNT/SECONDS, e.g. 30/60, not {text!r}") from None
        if rate.count < 1 or rate.seconds < 1:
            raise ValueError(f"a rate limit needs a positive count and period, not {text!r}")
        return rate


def _count(key: str, seconds: int) -> int:
    """Add one to a window's counter: one cache call, but for the window's first request."""
    try:
        return cache.incr(key)
    except ValueError:  # no counter yet (or it just expired)
        if cache.add(key, 1, seconds + 1):
            return 1
        try:
            return cache.incr(key)  # another request made it in between
        except ValueError:
            cache.set(key, 1, seconds + 1)
            return 1


def _hit(scope: str, ident: str, rate: Rate, now: float) -> int | None:
    """Count one request; the seconds to wait when over the limit, else None."""
    window = int(now // rate.seconds)
    used = _count(f"rl:{scope}:{ident}:{window}", rate.seconds)
    if used <= rate.count:
        return None
    return max(1, math.ceil((window + 1) * rate.seconds - now))


def _rate(name: str) -> Rate:
    return _parsed(getattr(settings, name))


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> Rate:
    return Rate.parse(text)


def check_allowed(*, ip: str | None, organisation_id: int | None) -> None:
    """Raise :class:`RateLimited` when the address or the organisation made too many checks."""
    now = time.time()
    limits = [("check-ip", ip or "unknown", _rate("RELOCARD_CHECK_RATE_PER_IP"))]
    if organisation_id is not None:
        limits.append(
            ("check-org", str(organisation_id), _rate("RELOCARD_CHECK_RATE_PER_ORGANISATION"))
        )
    for scope, ident, rate in limits:
        wait = _hit(scope, ident, rate, now)
        if wait is not None:
            raise RateLimited(
                _("Too many checks in a short time. Wait %(seconds)s seconds and try again.")
                % {"seconds": wait},
                retry_after=wait,
                scope=scope,
            )


def confirm_allowed(*, ip: str | None) -> None:
    wait = _hit("confirm-ip", ip or "unknown", _rate("RELOCARD_CONFIRM_RATE_PER_IP"), time.time())
    if wait is not None:
        raise RateLimited(
            _("Too many look-ups in a short time. Wait %(seconds)s seconds and try again.")
            % {"seconds": wait},
            retry_after=wait,
            scope="confirm-ip",
        )


def client_ip(request) -> str:
    """The client's address as the WSGI server saw it (put a proxy's real-IP module in front)."""
    return request.META.get("REMOTE_ADDR") or "unknown"
