"""The nightly run's writes, all in the caller's transaction: expiries, reminders, verdicts.

Small batches go through the ORM (``bulk_create`` with conflict handling); above
:data:`COPY_THRESHOLD` rows PostgreSQL gets them by COPY into a temporary table
(:func:`.pgbulk.copy_upsert`).
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from django.db import connection
from django.utils.translation import gettext as _

from relocard.audit.services import audit_record
from relocard.cards.compliance import pgbulk
from relocard.cards.compliance.load import pending_renewal
from relocard.cards.models import Card, CardCompliance, CardStatus, RenewalReminder
from relocard.core.compliance import VERDICT_COLUMNS

#: Above this many changed rows, PostgreSQL gets them by COPY into a temporary table.
COPY_THRESHOLD = 2_000


def _by_copy(rows: pl.DataFrame) -> bool:
    return connection.vendor == "postgresql" and rows.height > COPY_THRESHOLD


def upsert_verdicts(rows: pl.DataFrame, *, now: datetime) -> None:
    """Insert or update the changed verdicts (``card_id`` and the verdict columns)."""
    if rows.height == 0:
        return
    fields = list(VERDICT_COLUMNS)
    if _by_copy(rows):
        pgbulk.copy_upsert(
            CardCompliance,
            rows.select("card_id", *fields),
            now=now,
            stamp="changed_at",
            conflict=["card_id"],
            update=fields,
            not_null_text=["not_met", "unknown"],
        )
        return
    objects = [
        CardCompliance(card_id=r["card_id"], changed_at=now, **{f: r[f] for f in fields})
        for r in rows.iter_rows(named=True)
    ]
    CardCompliance.objects.bulk_create(
        objects,
        batch_size=2_000,
        update_conflicts=True,
        unique_fields=["card"],
        update_fields=[*fields, "changed_at"],
    )


def remember_reminders(reminders: pl.DataFrame, *, now: datetime) -> None:
    """Record the reminders sent (a reminder already recorded stays as it was)."""
    rows = reminders.select("card_id", "days_before")
    if _by_copy(rows):
        pgbulk.copy_upsert(
            RenewalReminder, rows, now=now, stamp="sent_at", conflict=["card_id", "days_before"]
        )
        return
    RenewalReminder.objects.bulk_create(
        [RenewalReminder(card_id=c, days_before=d, sent_at=now) for c, d in rows.iter_rows()],
        batch_size=2_000,
        ignore_conflicts=True,
    )


def expire_cards(ids: list[int], *, today: date, now: datetime) -> list[tuple[int, str]]:
    """Expire the given cards (re-checked under lock: active, past their last day, no renewal
    pending); audit each; return (user id, case reference) of their holders."""
    if not ids:
        return []
    locked = list(
        Card.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, status=CardStatus.ACTIVE, valid_until__lt=today)
        .exclude(pending_renewal())
        .values_list(
            "pk", "member_state_id", "valid_until", "applicant__user_id", "application__reference"
        )
    )
    if not locked:
        return []
    reason = _("The card's validity ended with no renewal pending.")
    Card.objects.filter(pk__in=[r[0] for r in locked]).update(
        status=CardStatus.EXPIRED, status_changed_at=now, status_reason=reason
    )
    for pk, member_state, valid_until, _user, reference in locked:
        audit_record(
            actor=None,
            action="card.expired",
            object_type=Card._meta.label_lower,
            object_id=pk,
            member_state=member_state,
            data={"case": reference, "valid_until": valid_until, "from": CardStatus.ACTIVE},
        )
    return [(user, reference) for _pk, _ms, _vu, user, reference in locked]
