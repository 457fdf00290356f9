"""Reads of decision letters."""

from __future__ import annotations

from django.db.models import QuerySet

from relocard.letters.models import DecisionLetter, LetterStatus


def case_letters(application) -> QuerySet[DecisionLetter]:
    """Every letter of a case (issued and pending), oldest first."""
    return DecisionLetter.objects.filter(application=application).order_by("created_at", "id")


def pending_letters() -> QuerySet[DecisionLetter]:
    return DecisionLetter.objects.filter(status=LetterStatus.PENDING).order_by("created_at", "id")


def letter_for_check(reference: str) -> DecisionLetter | None:
    """An issued letter by its reference, for the public check (nothing personal is read)."""
    return (
        DecisionLetter.objects.filter(reference=reference, status=LetterStatus.ISSUED)
        .only("reference", "kind", "member_state_id", "created_at", "sha256", "language")
        .first()
    )
