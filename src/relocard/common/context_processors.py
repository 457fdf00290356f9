"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings

from relocard.core.privacy import member_states_with_notice


def relocard(request):
    return {
        "RELOCARD_BASE_URL": settings.RELOCARD_BASE_URL,
        # The footer links each member state's privacy notice.
        "PRIVACY_NOTICES": member_states_with_notice(),
    }
