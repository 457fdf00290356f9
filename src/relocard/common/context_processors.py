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
        # Counted only when a page shows it (one query, applicants only).
        "UNREAD_MESSAGES": SimpleLazyObject(lambda: _unread(user) if user else 0),
    }
