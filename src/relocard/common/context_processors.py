"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings


def relocard(request):
    return {"RELOCARD_BASE_URL": settings.RELOCARD_BASE_URL}
