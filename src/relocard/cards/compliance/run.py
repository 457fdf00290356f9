"""The nightly compliance run: load, judge, then write everything in one short transaction.

Inputs are read (:mod:`.load`) and judged (:mod:`relocard.core.compliance`) outside any
transaction; every write (:mod:`.write`: expiries, reminders, verdicts; the run's record, its
audit event, and the holders' notifications through
:data:`relocard.cards.signals.holders_to_notify`) then happens in one transaction, so that a
failure leaves nothing half-done. On PostgreSQL an advisory lock keeps two runs from
overlapping.

A run covers every member state, or one (``member_state="FR"``): the night's run is split into
one task per member state (:mod:`relocard.cards.tasks`) that several workers share. Runs of
different member states go side by side (each takes its member state's lock, and the
programme-wide lock shared); a programme-wide run takes the programme-wide lock alone. A
member state's run is done once per date: a second one (a task run twice, a worker that took
it late) returns the first one's record and writes nothing, and a unique constraint on the
record (member state, date) keeps it so even if two slipped past the lock.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from zoneinfo import ZoneInfo

import polars as pl
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relocard.audit.services import audit_record
from relocard.cards.compliance import pgbulk
from relocard.cards.compliance.load import (
    load_cards,
    load_exceptions,
    load_facts,
    load_previous,
    load_reminders,
    load_trips,
)
from relocard.cards.compliance.write import expire_cards, remember_reminders, upsert_verdicts
from relocard.cards.models import ComplianceRun, ComplianceStatus
from relocard.cards.signals import holders_to_notify
from relocard.common.errors import InvalidState
from relocard.core.compliance.bulk import changes, due_reminders, presence_frame, verdict_frame

#: The phases' timings go to this logger at INFO (the benchmark reads them).
logger = logging.getLogger("relocard.cards.compliance")

#: The run's calendar: at 02:00 in Brussels every EU capital is on the same date.
PROGRAMME_TZ = ZoneInfo("Europe/Brussels")
#: The PostgreSQL advisory lock that keeps two runs from overlapping.
RUN_LOCK = 0x52_4C_43_52_44  # "RLCRD"


def run_date() -> date:
    """Today in the programme's time zone (the date a run started now is for)."""
    return timezone.localdate(timezone.now(), PROGRAMME_TZ)


def member_state_lock(member_state: str) -> int:
    """The advisory lock key of one member state's run (distinct from :data:`RUN_LOCK`)."""
    if not re.fullmatch(r"[A-Z]{2}", member_state):
        raise ValueError(f"not a member state code: {member_state!r}")
    first, second = (ord(ch) - ord("A") for ch in member_state)
    return RUN_LOCK + 1 + first * 26 + second


@contextmanager
def _one_run_at_a_time(member_state: str | None) -> Iterator[None]:
    """Refuse to start while an overlapping run holds the lock (PostgreSQL; SQLite serialises
    the writes anyway). Two overlapping runs would both tell the same holders the same news."""
    if connection.vendor != "postgresql":
        yield
        return
    busy = _("Another compliance run is in progress. Try again when it has finished.")
    if member_state is None:
        with pgbulk.advisory_lock(RUN_LOCK) as locked:
            if not locked:
                raise InvalidState(busy)
            yield
        return
    with (
        pgbulk.advisory_lock(RUN_LOCK, shared=True) as programme_free,
        pgbulk.advisory_lock(member_state_lock(member_state)) as locked,
    ):
        if not (programme_free and locked):
            raise InvalidState(busy)
        yield


@contextmanager
def _phase(name: str) -> Iterator[None]:
    """Log how long a phase of the run took (``relocard.cards.compliance`` at INFO)."""
    started = time.perf_counter()
    yield
    logger.info("compliance run: %s took %.3f s", name, time.perf_counter() - started)


def compliance_run(*, today: date | None = None, member_state: str | None = None) -> ComplianceRun:
    """The nightly run over every active card (see :mod:`relocard.cards.compliance`), or over
    those of ``member_state``; returns its record.

    A member state's run is done once per date: when its record for ``today`` exists, that
    record is returned and nothing is written.

    Raises :class:`~relocard.common.errors.InvalidState` while an overlapping run is in
    progress, and
    :class:`~django.core.exceptions.ImproperlyConfigured` when nothing receives
    :data:`~relocard.cards.signals.holders_to_notify` (holders would not be told).
    """
    if not holders_to_notify.has_listeners(ComplianceRun):
        raise ImproperlyConfigured(
            "nothing receives cards.signals.holders_to_notify: the compliance run would "
            "tell no holder (is relocard.cards in INSTALLED_APPS?)"
        )
    today = today or run_date()
    with _one_run_at_a_time(member_state):
        if member_state is not None:
            done = ComplianceRun.objects.filter(member_state=member_state, run_on=today).first()
            if done is not None:
                return done
        return _run(today=today, member_state=member_state)


def _notify(event: str, recipients: list[tuple[int, str]]) -> None:
    holders_to_notify.send(sender=ComplianceRun, event=event, recipients=recipients)


def _run(*, today: date, member_state: str | None) -> ComplianceRun:
    started = timezone.now()
    with _phase("load cards"):
        cards = load_cards(today=today, member_state=member_state)
        past = (pl.col("valid_until") < today) & ~pl.col("pending")
        expiring, cards = cards.filter(past), cards.filter(~past)
    with _phase("renewal reminders"):
        reminders = due_reminders(cards, load_reminders(member_state), today=today)
    with _phase("load trips"):
        trips = load_trips(cards["applicant_id"].to_numpy(), member_state)
    with _phase("presence"):
        presence = presence_frame(cards, trips, today=today)
        del trips
    with _phase("load facts"):
        facts, exceptions = load_facts(member_state), load_exceptions(member_state)
    with _phase("rules"):
        verdicts = verdict_frame(cards, presence, facts, exceptions, today=today)
    with _phase("compare"):
        changed = changes(load_previous(member_state), verdicts)
        worsened = changed.filter("worsened").join(
            cards.select("card_id", "user_id", "reference"), on="card_id", how="left"
        )

    with _phase("write"), transaction.atomic():
        if member_state is not None:
            # Checked again under the write lock: on SQLite (no advisory lock; transactions
            # begin IMMEDIATE, so this is the only writer now) another worker may have judged
            # the member state while this one computed. Its run stands; this one writes nothing.
            done = ComplianceRun.objects.filter(member_state=member_state, run_on=today).first()
            if done is not None:
                return done
        now = timezone.now()
        expired = expire_cards(expiring["card_id"].to_list(), today=today, now=now)
        remember_reminders(reminders, now=now)
        upsert_verdicts(changed, now=now)
        run = ComplianceRun.objects.create(
            member_state=member_state or "",
            run_on=today,
            started_at=started,
            finished_at=timezone.now(),
            cards=verdicts.height,
            changed=changed.height,
            worsened=worsened.height,
            expired=len(expired),
            reminders=reminders.height,
        )
        counts = dict(verdicts["status"].value_counts().iter_rows())
        audit_record(
            actor=None,
            action="compliance.run",
            obj=run,
            member_state=member_state or "",
            data={
                "on": today,
                "cards": run.cards,
                "changed": run.changed,
                "worsened": run.worsened,
                "expired": run.expired,
                "reminders": run.reminders,
                "status": {s.value: counts.get(s.value, 0) for s in ComplianceStatus},
            },
        )
        _notify("card_status_changed", expired)
        _notify("renewal_window", list(reminders.select("user_id", "reference").iter_rows()))
        _notify("compliance_changed", list(worsened.select("user_id", "reference").iter_rows()))
    return run
