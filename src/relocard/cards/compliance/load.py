"""Reading the nightly run's inputs in bulk, as Polars frames and numpy columns.

Each loader has two paths over the same queryset: on PostgreSQL the rows come by COPY (see
:mod:`.pgbulk`; CSV parsed by Polars, trips as binary rows parsed by numpy), elsewhere (SQLite)
the ORM hands over tuples. The frames' columns are those :mod:`relocard.core.compliance`
expects.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import numpy as np
import polars as pl
from django.db import connection
from django.db.models import Exists, F, IntegerField, OuterRef, QuerySet, Sum, Value
from django.db.models.functions import Cast, NullIf

from relocard.cards.compliance import pgbulk
from relocard.cards.models import Card, CardCompliance, CardStatus, RenewalReminder
from relocard.cases.models import (
    AcceptedException,
    Application,
    CaseFacts,
    CaseState,
    ExceptionKind,
    Stage,
)
from relocard.core.compliance.bulk import CardRows, TripColumns
from relocard.presence.models import Trip

#: A renewal in one of these states keeps a card from expiring and silences reminders.
PENDING_RENEWAL_STATES = (
    CaseState.DRAFT,
    CaseState.SUBMITTED,
    CaseState.IN_REVIEW,
    CaseState.CORRECTION_REQUESTED,
    CaseState.REFUSAL_PROPOSED,
    CaseState.APPROVAL_PROPOSED,
)

#: One row of the binary COPY of trips (see :func:`load_trips`).
_TRIP_ROW = pgbulk.binary_row(("applicant", ">i8"), ("left", ">i4"), ("returned", ">i4"))


def pending_renewal() -> Exists:
    """Whether the outer card's case has a renewal pending (at the ``renewal`` stage, in a
    cycle after the card's, in one of :data:`PENDING_RENEWAL_STATES`)."""
    return Exists(
        Application.objects.filter(
            pk=OuterRef("application_id"),
            stage=Stage.RENEWAL,
            cycle__gt=OuterRef("cycle"),
            state__in=PENDING_RENEWAL_STATES,
        )
    )


def _frame(qs: QuerySet, columns: dict[str, tuple[Any, pl.DataType]]) -> pl.DataFrame:
    """Rows of ``qs`` as a Polars frame with ``columns`` (name -> (expression, dtype)).

    On PostgreSQL the query runs inside ``COPY ... TO STDOUT (FORMAT csv)`` and Polars parses
    the text; elsewhere the ORM hands over tuples. Every column is an alias (``_c_<name>``),
    so that the CSV header names it whatever order the SQL puts it in.
    """
    alias = {f"_c_{name}": expr for name, (expr, _dtype) in columns.items()}
    qs = qs.annotate(**alias).values_list(*alias)
    schema = {name: dtype for name, (_expr, dtype) in columns.items()}
    if connection.vendor == "postgresql":
        frame = pl.read_csv(
            pgbulk.copy_csv(qs),
            schema_overrides={f"_c_{n}": d for n, d in schema.items()},
            infer_schema=False,
        )
        return frame.select([pl.col(f"_c_{n}").cast(d).alias(n) for n, d in schema.items()])
    return pl.DataFrame(list(qs), schema=schema, orient="row")


def _blank_is_null(field: str) -> NullIf:
    return NullIf(F(field), Value(""))


def _active_cards(member_state: str | None = None) -> QuerySet[Card]:
    """The active cards, of one member state when ``member_state`` is given."""
    cards = Card.objects.filter(status=CardStatus.ACTIVE)
    return cards if member_state is None else cards.filter(member_state_id=member_state)


def load_cards(*, today: date, member_state: str | None = None) -> pl.DataFrame:
    """Every active card (of ``member_state``, or of every member state), with its holder's
    user, its case's reference and whether a renewal is pending."""
    return _frame(
        _active_cards(member_state).order_by(),
        {
            "card_id": (F("id"), pl.Int64()),
            "applicant_id": (F("applicant_id"), pl.Int64()),
            "application_id": (F("application_id"), pl.Int64()),
            "member_state": (F("member_state_id"), pl.String()),
            "cycle": (F("cycle"), pl.Int64()),
            "valid_from": (F("valid_from"), pl.Date()),
            "valid_until": (F("valid_until"), pl.Date()),
            "user_id": (F("applicant__user_id"), pl.Int64()),
            "reference": (F("application__reference"), pl.String()),
            # An integer, not a boolean: PostgreSQL's CSV spells booleans t/f.
            "pending": (Cast(pending_renewal(), IntegerField()), pl.Int8()),
        },
    ).with_columns(pl.col("pending").cast(pl.Boolean))


def load_facts(member_state: str | None = None) -> pl.DataFrame:
    """The latest facts row of the case of every active card (blank text as null)."""
    return facts_frame(_active_cards(member_state).values("application_id"))


def facts_frame(application_ids: QuerySet) -> pl.DataFrame:
    """The latest facts row of each case in ``application_ids`` (a queryset of ids), in the rules'
    table columns (blank text as null). Also used by the console's what-if page."""
    facts = _frame(
        CaseFacts.objects.filter(application_id__in=application_ids),
        {
            "application_id": (F("application_id"), pl.Int64()),
            "facts_cycle": (F("cycle"), pl.Int64()),
            "nationality": (_blank_is_null("nationality"), pl.String()),
            "isced_level": (F("isced_level"), pl.Int64()),
            "languages": (_blank_is_null("languages"), pl.String()),
            "employment": (_blank_is_null("employment"), pl.String()),
            "housing_tenure": (_blank_is_null("housing_tenure"), pl.String()),
            "housing_country": (_blank_is_null("housing_country"), pl.String()),
            "liquid_assets_eur": (F("liquid_assets_eur"), pl.Decimal(18, 2)),
            "expires_on": (F("expires_on"), pl.Date()),
        },
    )
    return facts.sort("application_id", "facts_cycle").unique(
        subset="application_id", keep="last", maintain_order=True
    )


def load_exceptions(member_state: str | None = None) -> pl.DataFrame:
    """Accepted force-majeure days per (case, cycle), for the cases of active cards."""
    qs = (
        AcceptedException.objects.filter(
            kind=ExceptionKind.FORCE_MAJEURE_ABSENCE,
            days__gte=1,
            application_id__in=_active_cards(member_state).values("application_id"),
        )
        .values("application_id", "cycle")
        .annotate(total=Sum("days"))
        .order_by()
    )
    rows = [(r["application_id"], r["cycle"], r["total"]) for r in qs]
    return pl.DataFrame(
        rows,
        schema={"application_id": pl.Int64, "exc_cycle": pl.Int64, "fm_days": pl.Int64},
        orient="row",
    )


def load_previous(member_state: str | None = None) -> pl.DataFrame:
    """The stored verdicts of the active cards."""
    return _frame(
        CardCompliance.objects.filter(card__in=_active_cards(member_state)),
        {
            "card_id": (F("card_id"), pl.Int64()),
            "status": (F("status"), pl.String()),
            "presence_status": (F("presence_status"), pl.String()),
            "present_min": (F("present_min"), pl.Int64()),
            "present_max": (F("present_max"), pl.Int64()),
            "budget_left_min": (F("budget_left_min"), pl.Int64()),
            "outcome": (F("outcome"), pl.String()),
            "not_met": (F("not_met"), pl.String()),
            "unknown": (F("unknown"), pl.String()),
            "evidence_expires_on": (F("evidence_expires_on"), pl.Date()),
        },
    ).with_columns(pl.col("not_met", "unknown").fill_null(""))


def load_reminders(member_state: str | None = None) -> pl.DataFrame:
    """Reminders already sent for active cards."""
    return _frame(
        RenewalReminder.objects.filter(card__in=_active_cards(member_state)),
        {"card_id": (F("card_id"), pl.Int64()), "days_before": (F("days_before"), pl.Int64())},
    )


def load_trips(applicants: np.ndarray, member_state: str | None = None) -> TripColumns:
    """Every trip of the holders of the cards whose applicant ids are ``applicants`` (in the
    cards frame's order), mapped to those cards' rows.

    On PostgreSQL: binary COPY of fixed-width rows (unknown dates become a marker in SQL so
    that every row has the same size), parsed and mapped by numpy a chunk at a time, without a
    Python loop over rows; in memory a trip takes 24 bytes (holder and two dates).
    """
    rows = CardRows(applicants)
    if connection.vendor != "postgresql":
        found = list(
            Trip.objects.filter(applicant_id__in=_active_cards(member_state).values("applicant_id"))
            .order_by()
            .values_list("applicant_id", "left", "returned")
        )
        holder, left, returned = rows.map(
            np.array([r[0] for r in found], dtype=np.int64),
            np.array([r[1] for r in found], dtype="datetime64[D]"),
            np.array([r[2] for r in found], dtype="datetime64[D]"),
        )
        return TripColumns(holder, left, returned)
    q = connection.ops.quote_name
    trips, cards = q(Trip._meta.db_table), q(Card._meta.db_table)
    of_state = ""
    if member_state is not None:
        if not re.fullmatch(r"[A-Z]{2}", member_state):  # it is written into the statement
            raise ValueError(f"not a member state code: {member_state!r}")
        of_state = f" AND c.{q('member_state_id')} = '{member_state}'"
    sql = (
        f"SELECT t.{q('applicant_id')}::int8, "  # noqa: S608 (model names, quoted)
        f"{pgbulk.epoch_day_sql('t.' + q('left'))}, {pgbulk.epoch_day_sql('t.' + q('returned'))} "
        f"FROM {trips} t WHERE t.{q('applicant_id')} IN (SELECT c.{q('applicant_id')} "
        f"FROM {cards} c WHERE c.{q('status')} = '{CardStatus.ACTIVE.value}'{of_state})"
    )
    parts = [
        rows.map(
            parsed["applicant"].astype(np.int64),
            parsed["left"].astype(np.int32),
            parsed["returned"].astype(np.int32),
        )
        for parsed in pgbulk.copy_binary_rows(sql, _TRIP_ROW)
    ]
    if not parts:
        empty = np.empty(0, dtype="datetime64[D]")
        return TripColumns(np.empty(0, dtype=np.int64), empty, empty)
    holder = np.concatenate([p[0] for p in parts])
    left = np.concatenate([p[1] for p in parts])
    returned = np.concatenate([p[2] for p in parts])
    del parts
    return TripColumns(holder, pgbulk.epoch_days(left), pgbulk.epoch_days(returned))
