"""Receivers of ``relocard.cases.signals``, connected in ``LettersConfig.ready``."""

from __future__ import annotations

from relocard.letters.services import letter_request
from relocard.letters.tasks import render_letter


def letter_for_decision(
    sender, *, kind: str, application, decision=None, appeal=None, card_change=None, **kwargs
) -> None:
    """Record the decision's letter and enqueue its rendering, in the deciding transaction."""
    letter = letter_request(
        kind=kind,
        application=application,
        decision=decision,
        appeal=appeal,
        card_change=card_change,
    )
    render_letter.enqueue(letter.pk)
