"""Signals of the cases app: news that other domain apps act on.

The sender does its work and sends the signal inside its transaction; receivers write inside
it too (so a failure rolls the whole change back). The cases app imports none of them.

* ``application_submitted``: the security screening screens the case and requests its checks.
* ``decision_taken``: the receiver (``relocard.letters``, connected in ``LettersConfig.ready``)
  records the decision's letter in the same transaction, so that a decision never commits
  without the record of its letter; :func:`decision_taken_send` refuses to go on when nothing
  listens (fail closed: no decision without its letter).
"""

from __future__ import annotations

from django.dispatch import Signal

#: A first application or a renewal was filed (``application``: the locked case, in the
#: transaction of the submission). The security screening screens it and requests its checks.
application_submitted = Signal()

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
