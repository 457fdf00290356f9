"""Receivers of ``relocard.cases.signals``, connected in ``LettersConfig.ready``."""

from __future__ import annotations

from django.conf import settings

from relocard.letters.services import letter_request
from relocard.letters.tasks import render_letter


def letter_for_decision(
    sender, *, kind: str, application, decision=None, appeal=None, card_change=None, **kwargs
) -> None:
    """Record the decision's letter and enqueue its rendering, in the deciding transaction.

    The rendering goes to the task backend ``RELOCARD_LETTER_TASK_BACKEND`` (the worker's; the
    test settings name one that holds the task without running it). An unknown backend raises
    here, so the decision rolls back rather than owe a letter nobody renders.
    """
    letter = letter_request(
        kind=kind,
        application=application,
        decision=decision,
        appeal=appeal,
        card_change=card_change,
    )
    render_letter.using(backend=settings.RELOCARD_LETTER_TASK_BACKEND).enqueue(letter.pk)
