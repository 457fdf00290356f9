"""The checks behind ``/healthz`` (the process answers) and ``/readyz`` (it can serve).

Each check returns a :class:`Check`: a name, ok or not, and a short, fixed-vocabulary detail
that never carries personal data, paths or secrets (probes are unauthenticated). A check that
raises is a failed check: readiness fails closed.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from relocard.cards.credentials import keystore
from relocard.core.credentials import KeyStoreError
from relocard.ops.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str = ""
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        out = {"ok": self.ok}
        if self.detail:
            out["detail"] = self.detail
        out.update(self.extra)
        return out


def check_database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return Check("database", True, extra={"vendor": connection.vendor})


def check_cache() -> Check:
    key = f"ops:readyz:{secrets.token_hex(8)}"
    value = secrets.token_hex(8)
    cache.set(key, value, 30)
    try:
        if cache.get(key) != value:
            return Check("cache", False, "the cache did not return what was written")
    finally:
        cache.delete(key)
    return Check("cache", True)


#: The last successful key-store read, per process: decrypting the programme key costs a key
#: derivation when the store is encrypted, so success is trusted for a minute (failure never).
_keystore_ok_until = 0.0
KEYSTORE_RECHECK_SECONDS = 60


def check_keystore() -> Check:
    global _keystore_ok_until
    if time.monotonic() < _keystore_ok_until:
        return Check("keystore", True)

    try:
        keystore().programme()  # reads the certificate and decrypts the private key
    except KeyStoreError:
        # The message names a file; the probe says only what an operator must do.
        return Check(
            "keystore",
            False,
            "the programme key cannot be read: run `relocard credential keys init` or check "
            "RELOCARD_KEY_DIR and RELOCARD_KEY_PASSPHRASE",
        )
    _keystore_ok_until = time.monotonic() + KEYSTORE_RECHECK_SECONDS
    return Check("keystore", True)


def check_worker() -> Check:
    """A task worker beat within ``RELOCARD_WORKER_STALE_SECONDS`` (any worker, any machine)."""

    stale = settings.RELOCARD_WORKER_STALE_SECONDS
    newest = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True)
    newest = newest.first()
    now = timezone.now()
    if newest is None:
        return Check("worker", False, "no task worker has reported: run `relocard worker`")
    age = max(0.0, (now - newest).total_seconds())
    alive = WorkerHeartbeat.objects.filter(seen_at__gte=now - timedelta(seconds=stale)).count()
    extra = {"last_seen_seconds": round(age, 1), "workers": alive}
    if age > stale:
        return Check("worker", False, f"no task worker heartbeat for over {stale} s", extra)
    return Check("worker", True, extra=extra)


READINESS = (check_database, check_cache, check_keystore, check_worker)


def readiness() -> tuple[bool, dict]:
    """Run every readiness check; ``(all ok, {name: result})``."""
    results = {}
    for check in READINESS:
        name = check.__name__.removeprefix("check_")
        try:
            result = check()
        except Exception as exc:  # fail closed, and say which check without the exception text
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            result = Check(name, False, f"{name} unavailable ({type(exc).__name__})")
        results[result.name] = result.to_dict()
    return all(r["ok"] for r in results.values()), results
