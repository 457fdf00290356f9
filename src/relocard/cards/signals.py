"""Signals of the cards app: news that a lower layer has for the people concerned.

The sender does its work and sends the signal inside its transaction; the receivers, connected
in :meth:`relocard.cards.apps.CardsConfig.ready` (see :mod:`relocard.cards.receivers`), enqueue
the e-mails, whose task rows then commit or roll back with the change. This keeps the nightly
compliance run free of any import of the notification machinery.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Sent by the nightly compliance run (``sender``: :class:`~relocard.cards.models.ComplianceRun`)
#: once per kind of news, inside its write transaction, with ``event`` (a notification event:
#: ``card_status_changed``, ``renewal_window`` or ``compliance_changed``) and ``recipients``
#: (a list of (user id, case reference) pairs, possibly empty). The run refuses to start when
#: nothing listens, so that holders are never left untold.
holders_to_notify = Signal()
