"""Reads of the reference data."""

from __future__ import annotations

from django.db.models import QuerySet

from relocard.reference.models import MemberState

__all__ = ["programme_member_states"]


def programme_member_states() -> QuerySet[MemberState]:
    """The member states where the programme runs, by code."""
    return MemberState.objects.filter(programme_enabled=True).order_by("code")
