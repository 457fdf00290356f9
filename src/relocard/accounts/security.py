"""Authentication events in the audit log, and the keyed hash that stands in for addresses.

Authentication events carry no personal data beyond the account id: the actor is written as
``#<id>`` (never the e-mail address), an address only as a keyed hash (HMAC-SHA-256 under a
key derived from the secret key, cut to 16 hex digits), enough to tell one place from another
in an investigation, useless to someone who reads the log without the key.

Events (``action``): ``auth.signed_in``, ``auth.signin_failed``, ``auth.locked``,
``auth.second_factor_passed``, ``auth.second_factor_failed``, ``auth.factor_enrolled``,
``auth.factor_removed``, ``auth.recovery_codes_created``, ``auth.factor_reset_proposed``,
``auth.factor_reset_confirmed``, ``auth.factor_reset_cancelled``, ``auth.reauthenticated``,
``auth.password_changed``, ``auth.password_reset``, ``auth.signed_out``,
``auth.signed_out_everywhere``, ``auth.session_expired``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import transaction

from relocard.audit.services import audit_record


@cache
def _key(secret: str) -> bytes:
    return hashlib.sha256(b"relocard.accounts.keyed-hash\x00" + secret.encode()).digest()


def keyed_hash(value: str) -> str:
    """A short keyed hash of an address or an e-mail address (16 hex digits)."""
    digest = hmac.new(_key(settings.SECRET_KEY), value.encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def client_address(request) -> str:
    """The client's address as the WSGI server saw it (a proxy's real-IP module goes in front)."""
    return (request.META.get("REMOTE_ADDR") if request is not None else None) or "unknown"


@dataclass(frozen=True, slots=True)
class AccountRef:
    """Names an account in the audit log by its id alone."""

    pk: int

    def get_username(self) -> str:
        return f"#{self.pk}"


def auth_event(action: str, *, user=None, request=None, data: dict | None = None) -> None:
    """Write one authentication event, in its own transaction unless one is open."""
    payload = dict(data or {})
    if request is not None:
        payload["address"] = keyed_hash(client_address(request))
    user_id = getattr(user, "pk", None)
    with transaction.atomic():
        audit_record(
            actor=AccountRef(user_id) if user_id is not None else None,
            action=action,
            object_type="accounts.user",
            object_id=user_id,
            member_state=getattr(user, "member_state_id", None) or "",
            data=payload,
        )
