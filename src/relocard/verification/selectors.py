"""Reads for checking a card: what a check's result shows, the holder's codes and checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relocard.cards.models import Card
from relocard.common import access
from relocard.verification.models import (
    ApiKey,
    CardCheck,
    CheckMethod,
    CheckResult,
    Purpose,
    ShareCode,
    VerifierMembership,
    VerifierOrganisation,
    purpose_in_sentence,
)
from relocard.verification.services.share_codes import card_is_valid


@dataclass(frozen=True, slots=True)
class CheckSummary:
    """What a verifier may see of one check: only what the purpose needs.

    ``name`` and the card facts are filled in only when the details matched (a share code and
    date of birth) or the QR code is a genuine card; otherwise only the check's own facts.
    """

    check_id: str
    checked_at: datetime
    organisation: str
    method: str
    purpose: str
    reason: str
    result: str
    matched: bool
    valid: bool
    status: str
    name: str
    member_state: str
    valid_until: date | None

    @property
    def status_unknown(self) -> bool:
        """A genuine card whose revocation could not be checked: neither valid nor not."""
        return self.result == CheckResult.STATUS_UNKNOWN

    @property
    def not_relocard(self) -> bool:
        """Not a relocatee card's QR code at all (a wrong code scanned), not a forgery."""
        return self.result == CheckResult.NOT_RELOCARD

    @property
    def has_right(self) -> bool | None:
        """True or False when known; None when the card's status could not be checked."""
        return None if self.status_unknown else self.valid

    @property
    def right_label(self) -> str:
        return str(Purpose(self.purpose).label)

    @property
    def right_in_sentence(self) -> str:
        return purpose_in_sentence(self.purpose)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))


#: The card's status (share-code checks) or the verifier's verdict (QR checks), for people.
STATUS_LABELS = {
    "active": _("Active"),
    "valid": _("Valid"),
    "revoked": _("Revoked"),
    "suspended": _("Suspended"),
    "expired": _("Expired"),
    "not_yet_valid": _("Not yet valid"),
    "unknown_issuer": _("Unknown issuer"),
    "bad_signature": _("Signature does not hold"),
    "malformed": _("Unreadable"),
    "not_relocard": _("Not a relocatee-card QR code"),
    "status_unknown": _("Status unknown: revocation could not be checked"),
}


def check_summary(check: CardCheck) -> CheckSummary:
    name = ""
    if check.matched:
        # The check services set the holder's name from the row they looked up.
        name = getattr(check, "holder_name", None)
        if name is None:
            card = check.card
            name = card.applicant.latin_name if card is not None else ""
    return CheckSummary(
        check_id=check.check_id,
        checked_at=check.checked_at,
        organisation=check.organisation.name,
        method=check.method,
        purpose=check.purpose,
        reason=check.reason,
        result=check.result,
        matched=check.matched,
        valid=check.result == CheckResult.VALID,
        status=check.detail,
        name=name,
        member_state=check.member_state,
        valid_until=check.valid_until,
    )


def holder_codes(user) -> list[tuple[ShareCode, str, int]]:
    """The holder's codes, newest first, with their state now and how many checks used them."""
    now = timezone.now()
    rows = (
        access.holder_share_codes(user)
        .select_related("card")
        .annotate(
            matched_checks=Count(
                "checks", filter=Q(checks__result__in=[CheckResult.VALID, CheckResult.NOT_VALID])
            )
        )
        .order_by("-created_at", "-id")
    )
    return [(code, code.state_at(now), code.matched_checks) for code in rows]


def holder_checks(user) -> QuerySet[CardCheck]:
    return (
        access.holder_checks(user)
        .select_related("organisation", "share_code")
        .order_by("-checked_at", "-id")
    )


def organisation_checks(user) -> QuerySet[CardCheck]:
    return (
        access.organisation_checks(user)
        .select_related("checked_by", "api_key")
        .order_by("-checked_at", "-id")
    )


def shareable_cards(user) -> list[Card]:
    """The holder's cards valid today, newest first: those a share code can be made for."""
    cards = access.holder_cards(user).select_related("member_state").order_by("-issued_at")
    return [card for card in cards if card_is_valid(card)]


def organisation_members(user) -> QuerySet[VerifierMembership]:
    return access.organisation_members(user).select_related("user").order_by("user__email")


def organisation_api_keys(user) -> QuerySet[ApiKey]:
    return access.organisation_api_keys(user).order_by("-created_at")


def organisations_to_decide(user, *, status: str) -> QuerySet[VerifierOrganisation]:
    """The organisations in ``status``, oldest first, for a programme admin's decision."""
    return (
        access.organisations_to_decide(user)
        .filter(status=status)
        .select_related("country")
        .order_by("created_at")
    )


def confirm_check(check_id: str) -> CardCheck | None:
    """A check by its id, for the public confirmation page (which shows no personal data)."""
    return CardCheck.objects.select_related("organisation").filter(check_id=check_id).first()


__all__ = [
    "CheckMethod",
    "CheckSummary",
    "check_summary",
    "confirm_check",
    "holder_checks",
    "holder_codes",
    "organisation_api_keys",
    "organisation_checks",
    "organisation_members",
    "organisations_to_decide",
    "shareable_cards",
]
