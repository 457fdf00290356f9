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
3. judges the **compliance** of every other active card and writes the rows that changed.

The verdict
-----------

Inputs, per card: presence over the card year (``valid_from`` to ``valid_until``, as of the
run's date, from all the holder's trips: the residence calculator); the facts of the latest
:class:`~relocard.cases.models.CaseFacts` row of the card's case; the force-majeure days a
caseworker accepted for that row's cycle (the card's cycle when there is no facts row); the
``renewal`` stage's criteria of the member state's policy in force on the run's date.
Residence is judged by the rules on the *worst case over the whole year* (present days =
days in the year minus the worst-case projected absence), less the excused days.

* **FAILING** when a criterion is not met and can no longer change: residence only once the
  card year is over (the calculator's ``not_met``, after excused days); any other criterion as
  soon as it is not met (the facts are verified evidence: waiting does not change them);
* otherwise **AT_RISK** when presence is at risk (the calculator's ``at_risk``, after excused
  days: the worst case breaks the rule before the year ends), or a criterion is unknown while
  the renewal window is open, or evidence expires before the card's last day
  (``CaseFacts.expires_on < valid_until``);
* otherwise **OK**.

Stored figures (:class:`~relocard.cards.models.CardCompliance`): ``present_min`` and
``present_max`` are the present days projected over the *whole* card year in the worst and the
best case, and ``budget_left_min`` the worst-case days of absence still allowed. Unlike the
days counted so far, they move only when trips (or the year) change, so a night rewrites only
the cards whose situation changed. A holder whose status worsened (by
:data:`~relocard.cards.models.COMPLIANCE_RANK`; a card never judged counts as OK) is told what
changed and what to do, one notification task per 500 holders.

Two implementations give the same verdict: :func:`compliance_run` (columnar: COPY into numpy
and Polars on PostgreSQL, the residence bulk calculator, ``evaluate_table`` per member state,
one upsert) and :func:`compliance_for_card` (the ORM, ``presence_for_card``, ``rules.evaluate``;
the tests hold them equal, and it is the benchmark's baseline).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.db.models import Exists, F, IntegerField, OuterRef, QuerySet, Sum, Value
from django.db.models.functions import Cast, NullIf
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from relocard.audit.services import audit_record
from relocard.cards.models import (
    COMPLIANCE_RANK,
    Card,
    CardCompliance,
    CardStatus,
    ComplianceRun,
    ComplianceStatus,
    RenewalReminder,
)
from relocard.cases.models import (
    AcceptedException,
    Application,
    CaseFacts,
    CaseState,
    ExceptionKind,
    Stage,
)
from relocard.common.errors import InvalidState
from relocard.common.notifications import notify_many
from relocard.core import rules
from relocard.core.residence import required_present_days

logger = logging.getLogger(__name__)

#: The run's calendar: at 02:00 in Brussels every EU capital is on the same date.
PROGRAMME_TZ = ZoneInfo("Europe/Brussels")
#: A renewal in one of these states keeps a card from expiring and silences reminders.
PENDING_RENEWAL_STATES = (
    CaseState.DRAFT,
    CaseState.SUBMITTED,
    CaseState.IN_REVIEW,
    CaseState.CORRECTION_REQUESTED,
    CaseState.REFUSAL_PROPOSED,
)
STAGE = "renewal"
RESIDENCE = "residence"
FORCE_MAJEURE = ExceptionKind.FORCE_MAJEURE_ABSENCE.value
#: The rules' table column for the accepted force-majeure days (see ``rules.bulk``).
FORCE_MAJEURE_COLUMN = f"{FORCE_MAJEURE}_days"
#: Above this many changed rows, PostgreSQL gets them by COPY into a temporary table.
COPY_THRESHOLD = 2_000
#: The stored fields that make up a verdict (a row is rewritten when one of them changes).
VERDICT_FIELDS = (
    "status",
    "presence_status",
    "present_min",
    "present_max",
    "budget_left_min",
    "outcome",
    "not_met",
    "unknown",
    "evidence_expires_on",
)
_NAT = np.iinfo(np.int64).min
_COPY_NULL = -(2**31)  # stands for NULL in the int4 day columns read by binary COPY


def run_date() -> date:
    """Today in the programme's time zone (the date a run started now is for)."""
    return timezone.localdate(timezone.now(), PROGRAMME_TZ)


# --- the verdict -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    """One card's compliance, as stored in :class:`CardCompliance`."""

    status: ComplianceStatus
    presence_status: str
    present_min: int
    present_max: int
    budget_left_min: int
    outcome: str
    not_met: tuple[str, ...]
    unknown: tuple[str, ...]
    evidence_expires_on: date | None

    def fields(self) -> dict[str, Any]:
        """The model's field values."""
        return {
            "status": self.status.value,
            "presence_status": self.presence_status,
            "present_min": self.present_min,
            "present_max": self.present_max,
            "budget_left_min": self.budget_left_min,
            "outcome": self.outcome,
            "not_met": ",".join(self.not_met),
            "unknown": ",".join(self.unknown),
            "evidence_expires_on": self.evidence_expires_on,
        }


def verdict_status(
    *,
    residence_not_met: bool,
    other_not_met: bool,
    any_unknown: bool,
    year_over: bool,
    window_open: bool,
    evidence_expires_early: bool,
) -> ComplianceStatus:
    """The rule of the module docstring, for one card (the run has the same as a Polars
    expression, :func:`_status_expr`)."""
    if other_not_met or (residence_not_met and year_over):
        return ComplianceStatus.FAILING
    if residence_not_met or (any_unknown and window_open) or evidence_expires_early:
        return ComplianceStatus.AT_RISK
    return ComplianceStatus.OK


def _status_expr(year_over: pl.Expr, window_open: pl.Expr) -> pl.Expr:
    residence = pl.col("_residence_not_met")
    failing = pl.col("_other_not_met") | (residence & year_over)
    at_risk = residence | (pl.col("_any_unknown") & window_open) | pl.col("_evidence_expires_early")
    return (
        pl.when(failing)
        .then(pl.lit(ComplianceStatus.FAILING.value))
        .when(at_risk)
        .then(pl.lit(ComplianceStatus.AT_RISK.value))
        .otherwise(pl.lit(ComplianceStatus.OK.value))
    )


def facts_mapping(row: CaseFacts | None) -> dict[str, Any]:
    """The rules' FACTS from a flat facts row (blank means unknown, ``none`` no language)."""
    if row is None:
        return {}
    facts: dict[str, Any] = {}
    if row.nationality:
        facts["nationality"] = row.nationality
    if row.isced_level is not None:
        facts["education"] = {"isced_level": row.isced_level}
    if row.languages:
        text = row.languages.strip()
        skills = [] if text.lower() == "none" else [p for p in text.split(";") if p.strip()]
        facts["languages"] = [
            {"language": lang.strip(), "cefr": cefr.strip()}
            for lang, _sep, cefr in (s.partition(":") for s in skills)
        ]
    if row.employment:
        facts["employment"] = row.employment
    housing = {
        k: v for k, v in (("tenure", row.housing_tenure), ("country", row.housing_country)) if v
    }
    if housing:
        facts["housing"] = housing
    if row.liquid_assets_eur is not None:
        facts["liquid_assets_eur"] = str(row.liquid_assets_eur)
    return facts


def renewal_milestones(member_state: str, *, on: date) -> tuple[int, ...]:
    """Days before expiry at which holders are reminded, largest first (120, 60, 30)."""
    policy = rules.load_policy(member_state, on=on)
    days = {int(policy.value("renewal.window_days"))}
    days.update(int(d) for d in policy.value("renewal.reminder_days"))
    return tuple(sorted(days, reverse=True))


def renewal_window_days(member_state: str, *, on: date) -> int:
    """Days before expiry at which the renewal window opens (the policy's 120)."""
    return int(rules.load_policy(member_state, on=on).value("renewal.window_days"))


def compliance_for_card(card: Card, *, today: date) -> Verdict:
    """The verdict on one card, the straightforward way (the ORM, one card at a time).

    Used by the tests to check :func:`compliance_run` and as the benchmark's baseline.
    """
    from relocard.presence.selectors import presence_for_card, residence_facts

    presence = presence_for_card(card, as_of=today)
    row = CaseFacts.objects.filter(application_id=card.application_id).order_by("-cycle").first()
    cycle = row.cycle if row is not None else card.cycle
    accepted = [
        rules.AcceptedException(
            kind=FORCE_MAJEURE,
            accepted_by=f"user {e.accepted_by_id}",
            reason=(e.reason.strip() or "-")[: rules.accepted.MAX_REASON],
            days=min(e.days, 366),
        )
        for e in AcceptedException.objects.filter(
            application_id=card.application_id, cycle=cycle, kind=FORCE_MAJEURE, days__gte=1
        )
    ]
    facts = facts_mapping(row) | residence_facts(presence)
    evaluation = rules.evaluate(
        country=card.member_state_id, stage=STAGE, facts=facts, on=today, exceptions=accepted
    )
    not_met = tuple(c.id for c in evaluation.not_met)
    unknown = tuple(c.id for c in evaluation.unknown)
    window = renewal_window_days(card.member_state_id, on=today)
    expires_on = row.expires_on if row is not None else None
    result = presence.result
    status = verdict_status(
        residence_not_met=RESIDENCE in not_met,
        other_not_met=any(c != RESIDENCE for c in not_met),
        any_unknown=bool(unknown),
        year_over=today >= card.valid_until,
        window_open=(card.valid_until - today).days <= window,
        evidence_expires_early=expires_on is not None and expires_on < card.valid_until,
    )
    return Verdict(
        status=status,
        presence_status=result.status.value,
        present_min=result.days_in_period - result.projected_absent_days.max,
        present_max=result.days_in_period - result.projected_absent_days.min,
        budget_left_min=result.budget_left.min,
        outcome=evaluation.outcome.value,
        not_met=not_met,
        unknown=unknown,
        evidence_expires_on=expires_on,
    )


def compliance_save(card: Card, verdict: Verdict) -> CardCompliance:
    """Store one verdict (the naive loop's write; the run upserts in bulk)."""
    row, _created = CardCompliance.objects.update_or_create(
        card=card, defaults={**verdict.fields(), "changed_at": timezone.now()}
    )
    return row


# --- reading inputs in bulk --------------------------------------------------------------------


def _pg_copy_out(sql: str, *, chunk: int = 1 << 24) -> Iterator[bytes]:
    """The output of ``COPY (...) TO STDOUT`` in chunks of about ``chunk`` bytes.

    libpq hands COPY data over one row at a time. psycopg's ``cursor.copy()`` iterates them
    through its generic wait loop, about 1.3 us of Python per row (20 s for 15 million trips);
    calling ``PQgetCopyData`` directly in a tight loop costs a third of that, so this reads the
    rows through the connection's libpq handle, holding the connection's lock.
    """
    import psycopg
    from psycopg import pq

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # opens the transaction psycopg would open, if any
    conn = connection.connection
    pgconn = conn.pgconn
    with conn.lock:
        pgconn.send_query(sql.encode())
        result = pgconn.get_result()
        if result is None or result.status != pq.ExecStatus.COPY_OUT:
            while pgconn.get_result() is not None:
                pass
            raise psycopg.errors.error_from_result(result, encoding=conn.info.encoding)
        get = pgconn.get_copy_data
        buffer = bytearray()
        size = 1
        try:
            while True:
                size, data = get(0)
                if size <= 0:
                    break
                buffer += data
                if len(buffer) >= chunk:
                    yield bytes(buffer)
                    buffer.clear()
        finally:
            # If the reader stopped early, drain the rest so that the connection stays usable.
            while size > 0:
                size = get(0)[0]
            final = pgconn.get_result()
            while pgconn.get_result() is not None:
                pass
        if size == -2 or final is None or final.status != pq.ExecStatus.COMMAND_OK:
            raise psycopg.errors.error_from_result(final, encoding=conn.info.encoding)
        if buffer:
            yield bytes(buffer)


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
        sql, params = qs.query.sql_with_params()
        inner = connection.ops.compose_sql(sql, params)
        data = b"".join(_pg_copy_out(f"COPY ({inner}) TO STDOUT WITH (FORMAT csv, HEADER true)"))
        frame = pl.read_csv(
            data,
            schema_overrides={f"_c_{n}": d for n, d in schema.items()},
            infer_schema=False,
        )
        return frame.select([pl.col(f"_c_{n}").cast(d).alias(n) for n, d in schema.items()])
    return pl.DataFrame(list(qs), schema=schema, orient="row")


def _blank_is_null(field: str) -> NullIf:
    return NullIf(F(field), Value(""))


def _active_cards() -> QuerySet[Card]:
    return Card.objects.filter(status=CardStatus.ACTIVE)


def load_cards(*, today: date) -> pl.DataFrame:
    """Every active card, with its holder's user, its case's reference and whether a renewal
    is pending."""
    pending = Application.objects.filter(
        pk=OuterRef("application_id"),
        stage=Stage.RENEWAL,
        cycle__gt=OuterRef("cycle"),
        state__in=PENDING_RENEWAL_STATES,
    )
    return _frame(
        _active_cards().order_by(),
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
            "pending": (Cast(Exists(pending), IntegerField()), pl.Int8()),
        },
    ).with_columns(pl.col("pending").cast(pl.Boolean))


def load_facts() -> pl.DataFrame:
    """The latest facts row of the case of every active card (blank text as null)."""
    return facts_frame(_active_cards().values("application_id"))


def facts_frame(application_ids) -> pl.DataFrame:
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


def load_exceptions() -> pl.DataFrame:
    """Accepted force-majeure days per (case, cycle), for the cases of active cards."""
    qs = (
        AcceptedException.objects.filter(
            kind=FORCE_MAJEURE,
            days__gte=1,
            application_id__in=_active_cards().values("application_id"),
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


def load_previous() -> pl.DataFrame:
    """The stored verdicts of the active cards."""
    return _frame(
        CardCompliance.objects.filter(card__status=CardStatus.ACTIVE),
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


def load_reminders() -> pl.DataFrame:
    """Reminders already sent for active cards."""
    return _frame(
        RenewalReminder.objects.filter(card__status=CardStatus.ACTIVE),
        {"card_id": (F("card_id"), pl.Int64()), "days_before": (F("days_before"), pl.Int64())},
    )


@dataclass(frozen=True, slots=True)
class TripColumns:
    """Trips as numpy columns: the card row they count for, and dates (NaT when unknown)."""

    holder: np.ndarray  # int64: the row in the cards frame
    left: np.ndarray  # datetime64[D]
    returned: np.ndarray  # datetime64[D]

    def __len__(self) -> int:
        return len(self.holder)


class _CardRows:
    """Maps an applicant id to the row of their card in the cards frame, in bulk.

    An applicant with two active cards (e.g. during a transfer) is rare: their trips are
    repeated once for each further card.
    """

    def __init__(self, applicants: np.ndarray) -> None:
        self.top = int(applicants.max()) + 1 if len(applicants) else 0
        self.first = np.full(self.top, -1, dtype=np.int64)
        unique, first_row = np.unique(applicants, return_index=True)
        self.first[unique] = first_row
        others = np.flatnonzero(self.first[applicants] != np.arange(len(applicants)))
        self.others = [(int(applicants[row]), int(row)) for row in others]

    def map(
        self, applicant: np.ndarray, left: np.ndarray, returned: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(holder, left, returned) for the rows of applicants with an active card."""
        if self.top == 0:
            return np.empty(0, dtype=np.int64), left[:0], returned[:0]
        inside = applicant < self.top
        holder = np.where(inside, self.first[np.where(inside, applicant, 0)], -1)
        keep = holder >= 0
        if keep.all() and not self.others:
            return holder, left, returned
        holders, lefts, returns = [holder[keep]], [left[keep]], [returned[keep]]
        for who, row in self.others:  # a loop over the rare second cards only
            mine = applicant == who
            holders.append(np.full(int(mine.sum()), row, dtype=np.int64))
            lefts.append(left[mine])
            returns.append(returned[mine])
        return np.concatenate(holders), np.concatenate(lefts), np.concatenate(returns)


def _epoch_days(days: np.ndarray) -> np.ndarray:
    """int32 epoch days with the COPY null marker -> datetime64[D] with NaT."""
    wide = days.astype(np.int64)
    wide[days == _COPY_NULL] = _NAT
    return wide.view("datetime64[D]")


#: One row of the binary COPY below: field count, then (length, value) per column.
_TRIP_ROW = np.dtype(
    [
        ("n", ">i2"),
        ("len0", ">i4"),
        ("applicant", ">i8"),
        ("len1", ">i4"),
        ("left", ">i4"),
        ("len2", ">i4"),
        ("returned", ">i4"),
    ]
)
_BINARY_HEADER = 19  # signature (11), flags (4), header extension length (4)


def load_trips(applicants: np.ndarray) -> TripColumns:
    """Every trip of the holders of the cards whose applicant ids are ``applicants`` (in the
    cards frame's order), mapped to those cards' rows.

    On PostgreSQL: binary COPY of fixed-width rows (unknown dates become a marker in SQL so
    that every row has the same size), parsed and mapped by numpy a chunk at a time, without a
    Python loop over rows; in memory a trip takes 24 bytes (holder and two dates).
    """
    from relocard.presence.models import Trip

    rows = _CardRows(applicants)
    if connection.vendor != "postgresql":
        found = list(
            Trip.objects.filter(applicant_id__in=_active_cards().values("applicant_id"))
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

    def day(column: str) -> str:
        return f"COALESCE(t.{q(column)} - DATE '1970-01-01', {_COPY_NULL})::int4"

    sql = (
        f"COPY (SELECT t.{q('applicant_id')}::int8, {day('left')}, {day('returned')} "  # noqa: S608 (model names, quoted)
        f"FROM {trips} t WHERE t.{q('applicant_id')} IN (SELECT c.{q('applicant_id')} "
        f"FROM {cards} c WHERE c.{q('status')} = '{CardStatus.ACTIVE.value}')) "
        "TO STDOUT WITH (FORMAT binary)"
    )
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    pending = b""
    header = True
    for block in _pg_copy_out(sql):
        data = pending + block if pending else block
        start = _BINARY_HEADER if header else 0
        header = False
        count = (len(data) - start) // _TRIP_ROW.itemsize
        if count:
            parsed = np.frombuffer(data, dtype=_TRIP_ROW, count=count, offset=start)
            parts.append(
                rows.map(
                    parsed["applicant"].astype(np.int64),
                    parsed["left"].astype(np.int32),
                    parsed["returned"].astype(np.int32),
                )
            )
        pending = data[start + count * _TRIP_ROW.itemsize :]
    if pending not in (b"", b"\xff\xff"):
        raise RuntimeError("unexpected end of the binary COPY of trips")
    if not parts:
        empty = np.empty(0, dtype="datetime64[D]")
        return TripColumns(np.empty(0, dtype=np.int64), empty, empty)
    holder = np.concatenate([p[0] for p in parts])
    left = np.concatenate([p[1] for p in parts])
    returned = np.concatenate([p[2] for p in parts])
    del parts
    return TripColumns(holder, _epoch_days(left), _epoch_days(returned))


# --- computing in bulk -------------------------------------------------------------------------


#: Trips per slice of the presence calculation: the calculator's working arrays take about
#: 65 bytes per trip, so slicing 15 million trips by card keeps the run's peak memory lower.
PRESENCE_SLICE = 4_000_000


def presence_frame(cards: pl.DataFrame, trips: TripColumns, *, today: date) -> pl.DataFrame:
    """The residence bulk calculator over the card years, one row per card (in order).

    Cards are taken in slices of about :data:`PRESENCE_SLICE` trips (each card's trips stay
    together), which costs a few masks and copies and saves most of the calculator's memory.
    """
    from relocard.core.residence import STATUS_ORDER, check_bulk

    start = cards["valid_from"].to_numpy().astype("datetime64[D]")
    end = cards["valid_until"].to_numpy().astype("datetime64[D]")
    as_of = np.minimum(np.maximum(np.datetime64(today, "D"), start), end)
    n = len(start)
    slices = max(1, -(-len(trips) // PRESENCE_SLICE))
    bounds = np.linspace(0, n, slices + 1).astype(np.int64)
    columns: dict[str, list[np.ndarray]] = {
        k: [] for k in ("status", "required", "left_min", "left_max", "days")
    }
    for lo, hi in itertools.pairwise(bounds.tolist()):
        if slices == 1:
            holder, left, returned = trips.holder, trips.left, trips.returned
        else:
            rows = np.flatnonzero((trips.holder >= lo) & (trips.holder < hi))
            holder = trips.holder[rows] - lo
            left, returned = trips.left[rows], trips.returned[rows]
            del rows
        result = check_bulk(holder, left, returned, start[lo:hi], end[lo:hi], as_of[lo:hi])
        del holder, left, returned
        columns["status"].append(result.status)
        columns["required"].append(result.required_present_days)
        columns["left_min"].append(result.budget_left_min)
        columns["left_max"].append(result.budget_left_max)
        columns["days"].append(result.days_in_period)
        del result
    out = {k: np.concatenate(v) for k, v in columns.items()}
    names = np.array([s.value for s in STATUS_ORDER], dtype=object)
    # Present days over the whole year = days - projected absence = required + budget left.
    return pl.DataFrame(
        {
            "presence_status": pl.Series(names[out["status"]], dtype=pl.String),
            "present_min": out["required"] + out["left_min"],
            "present_max": out["required"] + out["left_max"],
            "budget_left_min": out["left_min"],
            "period_days": out["days"],
        }
    )


def verdict_frame(
    cards: pl.DataFrame,
    presence: pl.DataFrame,
    facts: pl.DataFrame,
    exceptions: pl.DataFrame,
    *,
    today: date,
) -> pl.DataFrame:
    """Every card's verdict (columns ``card_id`` and :data:`VERDICT_FIELDS`), in bulk."""
    table = (
        pl.concat([cards, presence], how="horizontal")
        .join(facts, on="application_id", how="left", maintain_order="left")
        .with_columns(pl.coalesce("facts_cycle", "cycle").alias("exc_cycle"))
        .join(exceptions, on=["application_id", "exc_cycle"], how="left", maintain_order="left")
        .with_columns(
            pl.col("present_min").cast(pl.Int64).alias("present_days"),
            pl.col("period_days").cast(pl.Int64),
            pl.col("fm_days").alias(FORCE_MAJEURE_COLUMN),
        )
    )
    day = pl.lit(today, dtype=pl.Date)
    parts = []
    for (member_state,), group in table.group_by("member_state", maintain_order=True):
        policy = rules.load_policy(str(member_state), on=today)
        ids = policy.criteria(STAGE)
        window = renewal_window_days(str(member_state), on=today)
        results = rules.evaluate_table(
            group, country=str(member_state), stage=STAGE, on=today, keep=("card_id",)
        )
        other = [c for c in ids if c != RESIDENCE]
        judged = pl.concat(
            [
                group.select("valid_until", "expires_on", *presence.columns),
                results,
            ],
            how="horizontal",
        ).with_columns(
            (pl.col(RESIDENCE) == "not_met").alias("_residence_not_met")
            if RESIDENCE in ids
            else pl.lit(False).alias("_residence_not_met"),
            pl.any_horizontal([pl.col(c) == "not_met" for c in other] or [pl.lit(False)]).alias(
                "_other_not_met"
            ),
            pl.any_horizontal([pl.col(c) == "unknown" for c in ids] or [pl.lit(False)]).alias(
                "_any_unknown"
            ),
            (pl.col("expires_on") < pl.col("valid_until"))
            .fill_null(False)
            .alias("_evidence_expires_early"),
            _listed(ids, "not_met").alias("not_met"),
            _listed(ids, "unknown").alias("unknown"),
        )
        year_over = day >= pl.col("valid_until")
        window_open = (pl.col("valid_until") - day).dt.total_days() <= window
        parts.append(
            judged.select(
                "card_id",
                _status_expr(year_over, window_open).alias("status"),
                "presence_status",
                pl.col("present_min").cast(pl.Int64),
                pl.col("present_max").cast(pl.Int64),
                pl.col("budget_left_min").cast(pl.Int64),
                pl.col("outcome").cast(pl.String),
                "not_met",
                "unknown",
                pl.col("expires_on").alias("evidence_expires_on"),
            )
        )
    if not parts:
        return pl.DataFrame(schema=_VERDICT_SCHEMA)
    return pl.concat(parts)


_VERDICT_SCHEMA = {
    "card_id": pl.Int64,
    "status": pl.String,
    "presence_status": pl.String,
    "present_min": pl.Int64,
    "present_max": pl.Int64,
    "budget_left_min": pl.Int64,
    "outcome": pl.String,
    "not_met": pl.String,
    "unknown": pl.String,
    "evidence_expires_on": pl.Date,
}


def _listed(ids: Sequence[str], result: str) -> pl.Expr:
    """Comma-separated criteria with ``result``, in the stage's order ("" when none)."""
    if not ids:
        return pl.lit("")
    return pl.concat_str(
        [pl.when(pl.col(c) == result).then(pl.lit(c)) for c in ids],
        separator=",",
        ignore_nulls=True,
    ).fill_null("")


def changes(previous: pl.DataFrame, verdicts: pl.DataFrame) -> pl.DataFrame:
    """The verdicts that differ from the stored ones, with ``worsened`` (by COMPLIANCE_RANK)."""
    rank = {str(k.value): v for k, v in COMPLIANCE_RANK.items()}
    joined = verdicts.join(
        previous.rename({f: f"_old_{f}" for f in VERDICT_FIELDS}),
        on="card_id",
        how="left",
        maintain_order="left",
    )
    differs = pl.any_horizontal([pl.col(f).ne_missing(pl.col(f"_old_{f}")) for f in VERDICT_FIELDS])
    old_rank = pl.col("_old_status").replace_strict(rank, default=0, return_dtype=pl.Int8)
    new_rank = pl.col("status").replace_strict(rank, return_dtype=pl.Int8)
    return joined.filter(differs).select(
        *verdicts.columns,
        (new_rank > old_rank.fill_null(0)).alias("worsened"),
    )


def due_reminders(cards: pl.DataFrame, sent: pl.DataFrame, *, today: date) -> pl.DataFrame:
    """(card_id, days_before) of the reminders to send tonight: the latest milestone reached,
    if not sent yet, for cards with no renewal pending."""
    parts = []
    day = pl.lit(today, dtype=pl.Date)
    for (member_state,), group in cards.group_by("member_state", maintain_order=True):
        milestones = sorted(renewal_milestones(str(member_state), on=today))
        days_left = (pl.col("valid_until") - day).dt.total_days()
        # The smallest milestone not below the days left: 50 days left -> the 60-day reminder.
        chain = None
        for m in milestones:
            cond = days_left <= m
            chain = (pl.when(cond) if chain is None else chain.when(cond)).then(pl.lit(m))
        assert chain is not None
        parts.append(
            group.filter(~pl.col("pending") & (days_left >= 0))
            .with_columns(chain.otherwise(None).cast(pl.Int64).alias("days_before"))
            .filter(pl.col("days_before").is_not_null())
            .select("card_id", "days_before", "user_id", "reference")
        )
    if not parts:
        return pl.DataFrame(
            schema={
                "card_id": pl.Int64,
                "days_before": pl.Int64,
                "user_id": pl.Int64,
                "reference": pl.String,
            }
        )
    return pl.concat(parts).join(sent, on=["card_id", "days_before"], how="anti")


# --- writing -----------------------------------------------------------------------------------


def _pg_copy_insert(
    model: type,
    rows: pl.DataFrame,
    *,
    now: datetime,
    stamp: str,
    conflict: Sequence[str],
    update: Sequence[str] = (),
    not_null_text: Sequence[str] = (),
) -> None:
    """COPY ``rows`` into a temporary table, then INSERT ... ON CONFLICT into ``model``'s
    table (DO UPDATE of ``update`` and ``stamp``, or DO NOTHING), in the caller's transaction.

    ``stamp`` is the timestamp column set to ``now``; ``not_null_text`` are text columns whose
    empty value is the empty string (CSV would read it as NULL).
    """
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    names = ", ".join(q(c) for c in rows.columns)
    data = rows.write_csv(include_header=False).encode()
    if update:
        action = "DO UPDATE SET " + ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in [*update, stamp])
    else:
        action = "DO NOTHING"
    force = f", FORCE_NOT_NULL ({', '.join(q(c) for c in not_null_text)})" if not_null_text else ""
    with connection.cursor() as cursor:
        # CREATE TABLE AS keeps the column types but not NOT NULL (the stamp comes later).
        cursor.execute(
            f"CREATE TEMPORARY TABLE _relocard_in ON COMMIT DROP AS "  # noqa: S608 (model names, quoted)
            f"SELECT {names} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY _relocard_in ({names}) FROM STDIN WITH (FORMAT csv{force})") as c:
            c.write(data)
        cursor.execute(
            f"INSERT INTO {table} ({names}, {q(stamp)}) "  # noqa: S608 (model names, quoted)
            f"SELECT {names}, %s FROM _relocard_in "
            f"ON CONFLICT ({', '.join(q(c) for c in conflict)}) {action}",
            [now],
        )
        cursor.execute("DROP TABLE _relocard_in")


def _upsert(rows: pl.DataFrame, *, now: datetime) -> None:
    """Insert or update the changed verdicts (caller's transaction)."""
    if rows.height == 0:
        return
    fields = list(VERDICT_FIELDS)
    if connection.vendor == "postgresql" and rows.height > COPY_THRESHOLD:
        _pg_copy_insert(
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


def _remember_reminders(reminders: pl.DataFrame, *, now: datetime) -> None:
    """Record the reminders sent (a reminder already recorded stays as it was)."""
    rows = reminders.select("card_id", "days_before")
    if connection.vendor == "postgresql" and rows.height > COPY_THRESHOLD:
        _pg_copy_insert(
            RenewalReminder, rows, now=now, stamp="sent_at", conflict=["card_id", "days_before"]
        )
        return
    RenewalReminder.objects.bulk_create(
        [RenewalReminder(card_id=c, days_before=d, sent_at=now) for c, d in rows.iter_rows()],
        batch_size=2_000,
        ignore_conflicts=True,
    )


def _expire(ids: list[int], *, today: date, now: datetime) -> list[tuple[int, str]]:
    """Expire the given cards (re-checked under lock); audit each; return (user, reference)."""
    if not ids:
        return []
    pending = Application.objects.filter(
        pk=OuterRef("application_id"),
        stage=Stage.RENEWAL,
        cycle__gt=OuterRef("cycle"),
        state__in=PENDING_RENEWAL_STATES,
    )
    locked = list(
        Card.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, status=CardStatus.ACTIVE, valid_until__lt=today)
        .exclude(Exists(pending))
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


#: The PostgreSQL advisory lock that keeps two runs from overlapping.
RUN_LOCK = 0x52_4C_43_52_44  # "RLCRD"


@contextmanager
def _one_run_at_a_time() -> Iterator[None]:
    """Refuse to start while another run holds the lock (PostgreSQL; SQLite serialises the
    writes anyway). Two overlapping runs would both tell the same holders the same news."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [RUN_LOCK])
        (locked,) = cursor.fetchone()
    if not locked:
        raise InvalidState(
            _("Another compliance run is in progress. Try again when it has finished.")
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [RUN_LOCK])


@contextmanager
def _phase(name: str) -> Iterator[None]:
    """Log how long a phase of the run took (``relocard.cards.compliance`` at INFO)."""
    started = time.perf_counter()
    yield
    logger.info("compliance run: %s took %.3f s", name, time.perf_counter() - started)


def compliance_run(*, today: date | None = None) -> ComplianceRun:
    """The nightly run over every active card (see the module docstring); returns its record.

    Inputs are read and judged outside any transaction; every write (expiries, reminders,
    verdicts, the run's record, the audit events and the notification tasks) then happens in
    one short transaction, so that a failure leaves nothing half-done. Raises
    :class:`~relocard.common.errors.InvalidState` while another run is in progress.
    """
    with _one_run_at_a_time():
        return _run(today=today)


def _run(*, today: date | None) -> ComplianceRun:
    started = timezone.now()
    today = today or run_date()
    with _phase("load cards"):
        cards = load_cards(today=today)
        past = (pl.col("valid_until") < today) & ~pl.col("pending")
        expiring, cards = cards.filter(past), cards.filter(~past)
    with _phase("renewal reminders"):
        reminders = due_reminders(cards, load_reminders(), today=today)
    with _phase("load trips"):
        trips = load_trips(cards["applicant_id"].to_numpy())
    with _phase("presence"):
        presence = presence_frame(cards, trips, today=today)
        del trips
    with _phase("load facts"):
        facts, exceptions = load_facts(), load_exceptions()
    with _phase("rules"):
        verdicts = verdict_frame(cards, presence, facts, exceptions, today=today)
    with _phase("compare"):
        changed = changes(load_previous(), verdicts)
        worsened = changed.filter("worsened").join(
            cards.select("card_id", "user_id", "reference"), on="card_id", how="left"
        )

    with _phase("write"), transaction.atomic():
        now = timezone.now()
        expired = _expire(expiring["card_id"].to_list(), today=today, now=now)
        _remember_reminders(reminders, now=now)
        _upsert(changed, now=now)
        run = ComplianceRun.objects.create(
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
        notify_many(expired, "card_status_changed")
        notify_many(reminders.select("user_id", "reference").iter_rows(), "renewal_window")
        notify_many(worsened.select("user_id", "reference").iter_rows(), "compliance_changed")
    return run


# --- explaining a verdict (console page, holder's e-mail) --------------------------------------


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a card is at risk or failing, as figures and criteria titles in the reader's
    language."""

    days: int
    required: int
    present_min: int
    present_max: int
    budget_left_min: int
    presence_status: str
    residence_not_met: bool
    not_met: tuple[str, ...]
    unknown: tuple[str, ...]
    evidence_expires_on: date | None
    valid_until: date

    @property
    def over_budget(self) -> int:
        """Days of absence beyond the budget in the worst case (0 when within it)."""
        return max(0, -self.budget_left_min)

    @property
    def evidence_expires_early(self) -> bool:
        return self.evidence_expires_on is not None and self.evidence_expires_on < self.valid_until


def _titles(ids: str) -> tuple[str, ...]:
    lang = 1 if (get_language() or "en").startswith("ru") else 0
    out = []
    for cid in filter(None, ids.split(",")):
        criterion = rules.CRITERIA.get(cid)
        out.append(criterion.title[lang] if criterion is not None else cid)
    return tuple(out)


def explain(row: CardCompliance) -> Explanation:
    """The reasons behind a stored verdict (``row.card`` should be fetched with it)."""
    card = row.card
    days = (card.valid_until - card.valid_from).days + 1
    ids = [c for c in row.not_met.split(",") if c]
    return Explanation(
        days=days,
        required=required_present_days(days),
        present_min=row.present_min,
        present_max=row.present_max,
        budget_left_min=row.budget_left_min,
        presence_status=row.presence_status,
        residence_not_met=RESIDENCE in ids,
        not_met=_titles(",".join(c for c in ids if c != RESIDENCE)),
        unknown=_titles(row.unknown),
        evidence_expires_on=row.evidence_expires_on,
        valid_until=card.valid_until,
    )


def compliance_by_user(user_ids: Iterable[int]) -> dict[int, CardCompliance]:
    """The current verdict on each user's active card (one query)."""
    rows = (
        CardCompliance.objects.filter(
            card__applicant__user_id__in=list(user_ids), card__status=CardStatus.ACTIVE
        )
        .select_related("card", "card__applicant")
        .order_by("card__valid_from", "card_id")
    )
    return {row.card.applicant.user_id: row for row in rows}


def holder_advice(row: CardCompliance) -> list[str]:
    """What changed and what to do, for the holder's e-mail (in the active language)."""
    from django.utils import formats

    why = explain(row)
    lines = []
    figures = {"present": why.present_min, "days": why.days, "required": why.required}
    if why.residence_not_met and row.status == ComplianceStatus.FAILING:
        lines.append(
            _(
                "Your card year has ended with fewer days of presence than required: "
                "%(present)s of %(days)s days, where %(required)s are needed. Contact your "
                "caseworker: absence for force majeure can be excused."
            )
            % figures
        )
    elif why.residence_not_met:
        lines.append(
            _(
                "In the worst case you would be in the country on %(present)s of the %(days)s "
                "days of your card year, and %(required)s are needed. Add any missing return "
                "dates on the My trips page and plan your trips so as to stay on track."
            )
            % figures
        )
    if why.not_met:
        lines.append(
            _(
                "Not met according to your verified documents: %(criteria)s. Upload up-to-date "
                "documents to your case, or contact your caseworker."
            )
            % {"criteria": ", ".join(why.not_met)}
        )
    if why.unknown and row.status != ComplianceStatus.OK:
        lines.append(
            _(
                "Verified documents are missing for: %(criteria)s. Add them when you apply to "
                "renew your card."
            )
            % {"criteria": ", ".join(why.unknown)}
        )
    if why.evidence_expires_early:
        assert why.evidence_expires_on is not None
        lines.append(
            _(
                "A document in your case is valid only until %(date)s, before your card ends "
                "on %(until)s. Upload a renewed document in time."
            )
            % {
                "date": formats.date_format(why.evidence_expires_on, "DATE_FORMAT"),
                "until": formats.date_format(why.valid_until, "DATE_FORMAT"),
            }
        )
    return lines
