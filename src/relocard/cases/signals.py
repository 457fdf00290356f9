"""Signals of the cases app: a decision that the people concerned receive as a formal letter.

Sent inside the deciding service's transaction; the receiver (``relocard.letters``, connected in
``LettersConfig.ready``) records the letter in the same transaction, so that a decision never
commits without the record of its letter. :func:`decision_taken_send` refuses to go on when
nothing listens (fail closed: no decision without its letter).
"""

from __future__ import annotations

from django.dispatch import Signal

#: ``kind``: approval, refusal, renewal_refusal, suspension, revocation or appeal_decision;
#: ``application``; and one of ``decision`` (a confirmed Decision), ``appeal`` (a decided
#: Appeal) or ``card_change`` (a confirmed CardStatusChange).
decision_taken = Signal()


def decision_taken_send(*, kind: str, application, **subject) -> None:
    if not decision_taken.has_listeners():
        raise RuntimeError(
            "no receiver records the letters of decisions: is relocard.letters installed?"
        )
    decision_taken.send(sender=type(application), kind=kind, application=application, **subject)
