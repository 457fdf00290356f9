"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from relocard.common.models import Message
from relocard.core.privacy import member_states_with_notice


def _unread(user) -> int:
    """Unread messages of a signed-in applicant or holder (the header's count); 0 otherwise."""
    if not user.is_authenticated or getattr(user, "role", "") != "applicant":
        return 0
    return Message.objects.filter(user_id=user.pk, read_at=None).count()


def relocard(request):
    user = getattr(request, "user", None)
    return {
        "RELOCARD_BASE_URL": settings.RELOCARD_BASE_URL,
        # The footer links each member state's privacy notice.
        "PRIVACY_NOTICES": member_states_with_notice(),
        **_notice(request),
        # Counted only when a page shows it (one query, applicants only).
        "UNREAD_MESSAGES": SimpleLazyObject(lambda: _unread(user) if user else 0),
    }


def _notice(request) -> dict:
    """The line on every page for applicants and visitors (people inside Russia among them):
    what the programme keeps and where, and safe mode, which a signed-in applicant switches
    there. ``SAFE_MODE`` is None when there is nothing to switch (no personal details yet)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"SHOW_NOTICE": True, "SAFE_MODE": None}
    if getattr(user, "role", "") != "applicant":
        return {"SHOW_NOTICE": False, "SAFE_MODE": None}
    applicant = getattr(user, "applicant", None)  # the reverse one-to-one: None without details
    return {"SHOW_NOTICE": True, "SAFE_MODE": None if applicant is None else applicant.safe_mode}
