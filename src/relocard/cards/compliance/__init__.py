"""The nightly compliance run over every active card, and the same verdict for one card.

Each night (see :mod:`relocard.cards.tasks`) :func:`compliance_run`

1. **expires** every active card past its ``valid_until`` with no renewal pending (a renewal is
   pending while the card's case is at the ``renewal`` stage, in a cycle after the card's, and
   in draft, submitted, in review, correction requested or refusal proposed); each expiry is
   audited and the holder told;
2. **reminds** holders to renew when the renewal window opens (the policy's
   ``renewal.window_days`` before the last valid day) and at each of ``renewal.reminder_days``:
   at most once per card and milestone, never while a renewal is pending, and only the latest
   milestone reached (a card first seen 50 days before expiry gets the 60-day reminder only);
3. judges the **compliance** of every other active card (the rule is in
   :mod:`relocard.core.compliance`) and writes the rows that changed. A holder whose status
   worsened (a card never judged counts as OK) is told what changed and what to do, one
   notification task per 500 holders.

Two implementations give the same verdict: :func:`compliance_run` (columnar: COPY into numpy
and Polars on PostgreSQL, the residence bulk calculator, ``evaluate_table`` per member state,
one upsert) and :func:`compliance_for_card` (the ORM, ``presence_for_card``, ``rules.evaluate``;
the tests hold them equal, and it is the benchmark's baseline).

Public interface::

    compliance_run(today=None) -> ComplianceRun     # the night; InvalidState if one is running
    run_date() -> date; PROGRAMME_TZ; RUN_LOCK        # the run's calendar and its lock key
    compliance_for_card(card, today=) -> Verdict      # one card through the ORM
    compliance_save(card, verdict) -> CardCompliance  # store one verdict (the naive loop)
    Verdict, VERDICT_FIELDS, verdict_status           # the verdict and its rule (from core)
    facts_frame(application_ids) -> pl.DataFrame      # latest facts rows as the rules' table
    explain(row) -> Explanation; holder_advice(row)   # the reasons, and the holder's words
    compliance_by_user(user_ids)                      # a read, kept in cards.selectors

Modules: :mod:`.run` (orchestration, the lock, the phases' log), :mod:`.load` (the inputs as
frames: ORM on SQLite, COPY on PostgreSQL), :mod:`.pgbulk` (COPY, binary rows, temporary
tables, the advisory lock: the only module that touches psycopg's internals), :mod:`.write`
(expiries, reminders, the verdicts' upsert), :mod:`.verdict` (one card through the ORM),
:mod:`.explain` (the reasons and the holder's words). The holders' e-mails go out through
:data:`relocard.cards.signals.holders_to_notify`; this package never imports the notifier.
"""

import importlib
from typing import TYPE_CHECKING, Any

from relocard.cards.compliance.explain import Explanation, explain, holder_advice
from relocard.cards.compliance.verdict import compliance_for_card, compliance_save
from relocard.cards.selectors import compliance_by_user
from relocard.core.compliance import VERDICT_COLUMNS as VERDICT_FIELDS
from relocard.core.compliance import Verdict, verdict_status

if TYPE_CHECKING:
    from relocard.cards.compliance.load import facts_frame
    from relocard.cards.compliance.run import PROGRAMME_TZ, RUN_LOCK, compliance_run, run_date

#: Loaded on first use: they need numpy and Polars (half a second to import), which a page or
#: an e-mail that only explains a verdict never does.
_LAZY = {
    "facts_frame": "relocard.cards.compliance.load",
    "PROGRAMME_TZ": "relocard.cards.compliance.run",
    "RUN_LOCK": "relocard.cards.compliance.run",
    "compliance_run": "relocard.cards.compliance.run",
    "run_date": "relocard.cards.compliance.run",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "PROGRAMME_TZ",
    "RUN_LOCK",
    "VERDICT_FIELDS",
    "Explanation",
    "Verdict",
    "compliance_by_user",
    "compliance_for_card",
    "compliance_run",
    "compliance_save",
    "explain",
    "facts_frame",
    "holder_advice",
    "run_date",
    "verdict_status",
]
