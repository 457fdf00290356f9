"""Share codes: a holder makes one per purpose, shown once and kept as a keyed hash.

Services take keyword-only arguments, ask :mod:`relocard.common.access` whether the actor may
act, run in one transaction with their audit event, and raise a
:class:`~relocard.common.errors.RelocardError` before writing anything when they cannot act.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from relocard.audit.services import audit_record
from relocard.cards.models import Card, CardStatus
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.verification import codes
from relocard.verification.models import Purpose, ShareCode

__all__ = ["card_is_valid", "code_digest", "share_code_create", "share_code_revoke"]

_CODE_SALT = "relocard.verification.share-code"


def code_digest(code: str) -> str:
    """HMAC-SHA256 of a normalised share code, under a key derived from SECRET_KEY."""
    return salted_hmac(_CODE_SALT, code, algorithm="sha256").hexdigest()


def _card_today(card: Card) -> date:
    return card.member_state.today()


def card_is_valid(card: Card, *, today: date | None = None) -> bool:
    today = today or _card_today(card)
    return card.status == CardStatus.ACTIVE and card.valid_from <= today <= card.valid_until


def share_code_create(*, actor, card: Card, purpose: str) -> tuple[ShareCode, str]:
    """The holder makes a code for one purpose; the code is returned once and never stored."""
    if not access.can_share_card(actor, card):
        raise NotAllowed(_("You can only make share codes for your own card."))
    if purpose not in Purpose.values:
        raise InvalidInput(
            _("Choose what the code is for: work, renting or a bank account."), field="purpose"
        )
    if not card_is_valid(card):
        raise InvalidState(
            _("This card is not valid, so a share code would show only that. Nothing was made.")
        )
    now = timezone.now()
    active = ShareCode.objects.filter(
        holder_id=card.applicant_id,
        revoked_at__isnull=True,
        locked_at__isnull=True,
        expires_at__gt=now,
    ).count()
    if active >= settings.RELOCARD_SHARE_CODE_MAX_ACTIVE:
        raise InvalidState(
            _(
                "You have %(count)s codes in use. Revoke one you no longer need, then make a new one."
            )
            % {"count": active}
        )
    expires = now + timedelta(days=settings.RELOCARD_SHARE_CODE_DAYS)
    with transaction.atomic():
        for _attempt in range(5):
            code = codes.new_share_code(purpose)
            try:
                with transaction.atomic():
                    share_code = ShareCode.objects.create(
                        holder_id=card.applicant_id,
                        card=card,
                        purpose=purpose,
                        digest=code_digest(code),
                        created_at=now,
                        expires_at=expires,
                    )
                break
            except IntegrityError:  # a 1 in 2**40 collision with an existing code
                continue
        else:  # pragma: no cover - five collisions in a row
            raise RuntimeError("could not draw an unused share code")
        audit_record(
            actor=actor,
            action="share_code.created",
            obj=share_code,
            member_state=card.member_state_id,
            data={"purpose": purpose, "card": card.pk, "expires": expires},
        )
    return share_code, code


def share_code_revoke(*, actor, share_code: ShareCode) -> ShareCode:
    with transaction.atomic():
        locked = ShareCode.objects.select_for_update().select_related("card").get(pk=share_code.pk)
        if not access.can_manage_share_code(actor, locked):
            raise NotAllowed(_("You can only revoke your own share codes."))
        if locked.revoked_at is not None:
            raise InvalidState(_("This code is already revoked."))
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="share_code.revoked",
            obj=locked,
            member_state=locked.card.member_state_id,
        )
    return locked
