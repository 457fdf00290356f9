"""Signals of the cases app: news that other domain apps act on.

The sender does its work and sends the signal inside its transaction; receivers write inside
it too (so a failure rolls the whole change back). The cases app imports none of them.
"""

from __future__ import annotations

from django.dispatch import Signal

#: A first application or a renewal was filed (``application``: the locked case, in the
#: transaction of the submission). The security screening screens it and requests its checks.
application_submitted = Signal()
