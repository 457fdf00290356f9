"""Checking a card: by share code and date of birth, or by the card's QR code.

Services take keyword-only arguments, ask :mod:`relocard.common.access` whether the actor may
act, and raise a :class:`~relocard.common.errors.RelocardError` before writing anything when
they cannot act. Every check is recorded with its audit event, both committed before the
answer, through the checks' hot path (:mod:`relocard.verification.hotpath`).

Share-code checks answer a wrong code and a wrong date of birth the same way and do the same
work on both paths: the same lookup (by the keyed hash, through a unique index), a
constant-time comparison of the date of birth against the holder's or a fixed stand-in, the
same failure-counter update (on no row when the code does not exist), the same insert of the
check and the same audit event. Only the lock that ends a run of failures, once in a code's
life, adds the holder's notification.
"""

from __future__ import annotations

import hmac
import time
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relocard.audit.services import audit_event_values, audit_record
from relocard.cards.credentials import verifier_lists
from relocard.common import access, text
from relocard.common.errors import InvalidInput
from relocard.common.notifications import notify
from relocard.core.credentials import verify
from relocard.verification import codes, hotpath
from relocard.verification.errors import (
    InvalidPayload,
    InvalidReason,
    InvalidShareCode,
    WrongPurpose,
)
from relocard.verification.models import (
    ApiKey,
    CardCheck,
    CheckMethod,
    CheckResult,
    Purpose,
    VerifierOrganisation,
    purpose_in_sentence,
)
from relocard.verification.services.share_codes import card_is_valid, code_digest

__all__ = [
    "CHECK_OBJECT_TYPE",
    "MAX_REASON",
    "QR_RESULTS",
    "check_by_qr",
    "check_by_share_code",
    "check_viewed",
    "forget_lists",
]

#: Compared with the typed date of birth when no code matches, so both paths do the same work.
_STAND_IN_BIRTHDAY = date(1900, 1, 1)
MAX_REASON = 200
CHECK_OBJECT_TYPE = CardCheck._meta.label_lower


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidReason(
            _("Say why you are checking, e.g. “Tenancy application for flat 3”."), field="reason"
        )
    if len(reason) > MAX_REASON:
        raise InvalidReason(
            _("Keep the reason to %(max)s characters.") % {"max": MAX_REASON}, field="reason"
        )
    if (char := text.forbidden_character(reason)) is not None:
        raise InvalidReason(text.message(char), field="reason")
    return reason


def _purpose_allowed(organisation, purpose: str) -> None:
    if purpose not in organisation.purposes:
        allowed = ", ".join(purpose_in_sentence(p) for p in organisation.purposes)
        raise WrongPurpose(
            _(
                "This is a code for a check of the %(purpose)s. Your organisation checks the "
                "%(allowed)s: ask the person for a code made for that."
            )
            % {"purpose": purpose_in_sentence(purpose), "allowed": allowed},
            field="code",
        )


def _check_fields(method: str, organisation, user, api_key, purpose: str, reason: str) -> dict:
    """What every check records of who checked, how and why (a person on the web, or an
    organisation's system by its API key), with a new public check id."""
    return {
        "check_id": codes.new_check_id(),
        "organisation": organisation,
        "checked_by": user if api_key is None else None,
        "api_key": api_key,
        "method": method,
        "purpose": purpose,
        "reason": reason,
    }


def _check_event(action: str, check: dict, user, api_key, data: dict) -> dict:
    return audit_event_values(
        actor=user if api_key is None else None,
        action=action,
        object_type=CHECK_OBJECT_TYPE,
        object_id=check["check_id"],
        member_state=check["member_state"],
        data={
            "organisation": check["organisation"].pk,
            "api_key": api_key.pk if api_key is not None else None,
            **data,
        },
        at=check["checked_at"],
    )


def check_by_share_code(
    *,
    organisation: VerifierOrganisation,
    code: str,
    date_of_birth: date,
    reason: str,
    user=None,
    api_key: ApiKey | None = None,
) -> CardCheck:
    """Check a card by share code and date of birth; every attempt is recorded.

    The result is ``valid`` or ``not_valid`` when code and date of birth match a usable code,
    and ``no_match`` otherwise, with no hint of which part was wrong.
    """
    access.require_checker(organisation, user=user, api_key=api_key)
    reason = _clean_reason(reason)
    try:
        normalised = codes.normalise_share_code(code)
    except codes.CodeFormatError:
        raise InvalidShareCode(
            _("A share code has 9 letters and digits and starts with W, R or B, e.g. R7K 3MX 9QH."),
            field="code",
        ) from None
    purpose = codes.purpose_of(normalised)
    _purpose_allowed(organisation, purpose)
    if not isinstance(date_of_birth, date):
        raise InvalidInput(_("Enter the date of birth."), field="date_of_birth")
    digest = code_digest(normalised)
    now = timezone.now()
    # The code's holder is its card's applicant (share_code_create makes it so): one join.
    row = hotpath.share_code_find(digest)
    holder = row.card.applicant if row is not None else None
    stored = holder.date_of_birth if holder is not None else _STAND_IN_BIRTHDAY
    birthday_matches = hmac.compare_digest(stored.isoformat(), date_of_birth.isoformat())
    usable = row is not None and row.state_at(now) == "active"
    matched = birthday_matches and usable
    card = row.card if matched else None
    if card is None:
        result = CheckResult.NO_MATCH
    else:
        result = CheckResult.VALID if card_is_valid(card) else CheckResult.NOT_VALID
    fields = {
        **_check_fields(CheckMethod.SHARE_CODE, organisation, user, api_key, purpose, reason),
        "share_code": row,
        "card": card,
        "result": result,
        "detail": card.status if card is not None else "",
        "member_state": card.member_state_id if card is not None else "",
        "valid_until": card.valid_until if card is not None else None,
        "checked_at": now,
    }
    event = _check_event(
        "verification.share_code_check",
        fields,
        user,
        api_key,
        {"purpose": purpose, "result": result},
    )
    if matched:
        # One statement; a match resets a count of failures (there rarely is one).
        check, _counter = hotpath.check_write(
            fields, event, counter=("matched", row.pk) if row.failures else None
        )
        check.holder_name = holder.latin_name
        return check
    # A wrong code or birthday: the same statement on both paths (on no row when the code
    # does not exist), in a transaction that also takes the lock when it ends a run.
    max_failures = settings.RELOCARD_SHARE_CODE_MAX_FAILURES
    with transaction.atomic():
        target = row.pk if row is not None else 0
        check, counter = hotpath.check_write(
            fields, event, counter=("failed", target, max_failures - 1, now)
        )
        if counter is not None and counter[1] == now:
            audit_record(
                actor=None,
                action="share_code.locked",
                obj=row,
                member_state=row.card.member_state_id,
                data={"failures": counter[0]},
            )
            notify(holder.user, "share_code_locked")  # the user is read on this path only
    return check


#: The verified trust list and status lists, per server process: (monotonic expiry, lists).
_LISTS: dict[str, tuple[float, tuple]] = {}


def _verifier_lists():
    """What :func:`relocard.cards.credentials.verify_payload` verifies with, reused briefly.

    Building the lists costs about 1.5 ms of CPU and two queries (the programme certificate
    read from its file, the status-list versions), 30 times the verification itself, so a
    process keeps them for RELOCARD_QR_LISTS_CACHE_SECONDS. A card status change committed in
    this process clears them at once (:func:`forget_lists`); in other processes it is seen
    within those seconds, against the status list's published TTL of 300 s for offline checks.
    """
    now = time.monotonic()
    hit = _LISTS.get("lists")
    if hit is not None and hit[0] > now:
        return hit[1]
    lists = verifier_lists()
    _LISTS["lists"] = (now + settings.RELOCARD_QR_LISTS_CACHE_SECONDS, lists)
    return lists


def forget_lists(**_kwargs) -> None:
    """A card changed: drop the process's lists now and again once the change commits (so that
    no request in between keeps the old ones); a post_save hook."""
    _LISTS.clear()
    transaction.on_commit(_LISTS.clear)


#: The verifier's verdict -> the recorded result of a QR check.
QR_RESULTS = {
    "valid": CheckResult.VALID,
    "revoked": CheckResult.NOT_VALID,
    "suspended": CheckResult.NOT_VALID,
    "expired": CheckResult.NOT_VALID,
    "not_yet_valid": CheckResult.NOT_VALID,
    # Genuine, but its revocation could not be checked: never "valid" (fail closed).
    "status_unknown": CheckResult.STATUS_UNKNOWN,
    # Not our format at all: told apart from a forgery (anything else not listed here).
    "not_relocard": CheckResult.NOT_RELOCARD,
}


def check_by_qr(
    *,
    organisation: VerifierOrganisation,
    payload: str,
    purpose: str,
    reason: str,
    user=None,
    api_key: ApiKey | None = None,
):
    """Verify a card's QR payload (offline verification, revocation by the status list).

    Returns the recorded check and the verifier's verdict (whose claims are filled in only
    when the signature holds). A genuine card whose status list could not be fetched or used
    is recorded as ``status_unknown``, never as valid.
    """
    access.require_checker(organisation, user=user, api_key=api_key)
    reason = _clean_reason(reason)
    if purpose not in Purpose.values:
        raise WrongPurpose(_("Choose what you are checking."), field="purpose")
    _purpose_allowed(organisation, purpose)
    payload = (payload or "").strip()
    if not payload:
        raise InvalidPayload(
            _("Paste the text of the QR code, which starts with “RC1:”."), field="payload"
        )
    trust, lists = _verifier_lists()
    verification = verify(payload, trust_list=trust, status_lists=lists)
    result = QR_RESULTS.get(verification.status, CheckResult.NOT_GENUINE)
    claims = verification.claims if verification.status in QR_RESULTS else {}
    number = claims.get("card_number")
    valid_until = claims.get("valid_until")
    fields = {
        **_check_fields(CheckMethod.QR, organisation, user, api_key, purpose, reason),
        "card": None,  # the card with this number, if any: looked up as the check is written
        "result": result,
        "detail": verification.status,
        "member_state": claims.get("member_state", ""),
        "valid_until": date.fromisoformat(valid_until) if valid_until else None,
        "checked_at": timezone.now(),
    }
    event = _check_event(
        "verification.qr_check",
        fields,
        user,
        api_key,
        {"purpose": purpose, "result": result, "status": verification.status},
    )
    check, card = hotpath.check_write(fields, event, card_number=number or None)
    if card is not None:
        check.holder_name = card[1]
    return check, verification


def check_viewed(*, actor, check: CardCheck, api_key: ApiKey | None = None) -> None:
    """Record that a verifier looked at a check's result again (it may show a name)."""
    if not check.matched:
        return
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="verification.check_viewed",
            object_type=CHECK_OBJECT_TYPE,
            object_id=check.check_id,
            member_state=check.member_state,
            data={"api_key": api_key.pk} if api_key is not None else None,
        )
