"""API keys of verifier organisations: made by a manager, shown once, kept as a keyed hash.

Authentication is on every API request, so a server process remembers the keys it found for
RELOCARD_API_KEY_CACHE_SECONDS (:func:`api_key_authenticate`); revoking a key or suspending an
organisation forgets them in this process at once (:func:`forget_keys`).
"""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from relocard.audit.services import audit_record
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.verification.models import ApiKey

__all__ = [
    "API_KEY_PREFIX",
    "api_key_authenticate",
    "api_key_create",
    "api_key_digest",
    "api_key_revoke",
    "forget_keys",
]

_API_KEY_SALT = "relocard.verification.api-key"
API_KEY_PREFIX = "rck_"


def api_key_digest(key: str) -> str:
    return salted_hmac(_API_KEY_SALT, key, algorithm="sha256").hexdigest()


def api_key_create(*, actor, name: str) -> tuple[ApiKey, str]:
    """A new API key for the actor's organisation; the key itself is returned once, never kept."""
    if not access.can_manage_organisation(actor):
        raise NotAllowed(_("Only the person who manages the organisation can create API keys."))
    organisation = access.verifier_membership(actor).organisation
    if not organisation.is_approved:
        raise NotAllowed(_("Your organisation must be approved before it can use the API."))
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("Name the key, e.g. “Onboarding system”."), field="name")
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        api_key = ApiKey.objects.create(
            organisation=organisation,
            name=name[:80],
            prefix=key[:12],
            digest=api_key_digest(key),
            created_by=actor,
            created_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="verifier.api_key_created",
            obj=api_key,
            member_state=organisation.country_id,
            data={"organisation": organisation.pk},
        )
    return api_key, key


def api_key_revoke(*, actor, api_key: ApiKey) -> ApiKey:
    if not access.can_manage_organisation(actor):
        raise NotAllowed(_("Only the person who manages the organisation can revoke API keys."))
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        if key.organisation_id != access.verifier_membership(actor).organisation_id:
            raise NotAllowed(_("This key belongs to another organisation."))
        if key.revoked_at is not None:
            raise InvalidState(_("This key is already revoked."))
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        forget_keys(digest=key.digest)
        transaction.on_commit(lambda: forget_keys(digest=key.digest))
        audit_record(
            actor=actor,
            action="verifier.api_key_revoked",
            obj=key,
            member_state=key.organisation.country_id,
        )
    return key


#: Keys recently found, per server process: digest -> (key, organisation, monotonic expiry).
#: A request then needs no query to authenticate; a key revoked (or an organisation suspended)
#: in another process is refused at the latest RELOCARD_API_KEY_CACHE_SECONDS later.
_KEY_MEMO: dict[str, tuple[ApiKey, float]] = {}


def api_key_authenticate(key: str) -> ApiKey | None:
    """The live key (with its organisation) that ``key`` is, or None."""
    if not isinstance(key, str) or not key.startswith(API_KEY_PREFIX) or len(key) > 100:
        return None
    digest = api_key_digest(key)
    now = time.monotonic()
    hit = _KEY_MEMO.get(digest)
    if hit is not None and hit[1] > now:
        return hit[0]
    found = (
        ApiKey.objects.select_related("organisation")
        .filter(digest=digest, revoked_at__isnull=True)
        .first()
    )
    if found is None:
        _KEY_MEMO.pop(digest, None)
    else:
        if len(_KEY_MEMO) > 10_000:
            _KEY_MEMO.clear()
        _KEY_MEMO[digest] = (found, now + settings.RELOCARD_API_KEY_CACHE_SECONDS)
    return found


def forget_keys(organisation_id: int | None = None, digest: str | None = None) -> None:
    """Drop this process's memory of a key (by digest) or of an organisation's keys."""
    for known, (api_key, _until) in list(_KEY_MEMO.items()):
        if known == digest or api_key.organisation_id == organisation_id:
            _KEY_MEMO.pop(known, None)
