"""The compliance verdict in columns: presence, the rule and the changes for every card at once.

Numpy and Polars over the frames described in :mod:`relocard.core.compliance`; the same rule
as :func:`~relocard.core.compliance.verdict_status` (the tests hold them equal).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from relocard.core import rules
from relocard.core.compliance import (
    FORCE_MAJEURE_COLUMN,
    RANK,
    RESIDENCE,
    STAGE,
    VERDICT_COLUMNS,
    Status,
    renewal_milestones,
    renewal_window_days,
)
from relocard.core.residence import STATUS_ORDER, check_bulk

#: The verdict frame's schema: ``card_id`` and :data:`VERDICT_COLUMNS`.
VERDICT_SCHEMA = {
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
#: Trips per slice of the presence calculation: the calculator's working arrays take about
#: 65 bytes per trip, so slicing 15 million trips by card keeps the run's peak memory lower.
PRESENCE_SLICE = 4_000_000


#: Trips per slice of the presence calculation: the calculator's working arrays take about
#: 65 bytes per trip, so slicing 15 million trips by card keeps the run's peak memory lower.
PRESENCE_SLICE = 4_000_000


def status_expr(year_over: pl.Expr, window_open: pl.Expr) -> pl.Expr:
    """:func:`verdict_status` as a Polars expression over the boolean columns
    ``_residence_not_met``, ``_other_not_met``, ``_any_unknown`` and
    ``_evidence_expires_early``."""
    residence = pl.col("_residence_not_met")
    failing = pl.col("_other_not_met") | (residence & year_over)
    at_risk = residence | (pl.col("_any_unknown") & window_open) | pl.col("_evidence_expires_early")
    return (
        pl.when(failing)
        .then(pl.lit(Status.FAILING.value))
        .when(at_risk)
        .then(pl.lit(Status.AT_RISK.value))
        .otherwise(pl.lit(Status.OK.value))
    )


# --- trips in columns --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TripColumns:
    """Trips as numpy columns: the card row they count for, and dates (NaT when unknown)."""

    holder: np.ndarray  # int64: the row in the cards frame
    left: np.ndarray  # datetime64[D]
    returned: np.ndarray  # datetime64[D]

    def __len__(self) -> int:
        return len(self.holder)


class CardRows:
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


# --- computing in bulk -------------------------------------------------------------------------


def presence_frame(cards: pl.DataFrame, trips: TripColumns, *, today: date) -> pl.DataFrame:
    """The residence bulk calculator over the card years, one row per card (in order).

    Cards are taken in slices of about :data:`PRESENCE_SLICE` trips (each card's trips stay
    together), which costs a few masks and copies and saves most of the calculator's memory.
    """
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
    """Every card's verdict (:data:`VERDICT_SCHEMA`), in bulk."""
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
                status_expr(year_over, window_open).alias("status"),
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
        return pl.DataFrame(schema=VERDICT_SCHEMA)
    return pl.concat(parts)


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
    """The verdicts that differ from the stored ones, with ``worsened`` (by :data:`RANK`)."""
    rank = {s.value: r for s, r in RANK.items()}
    joined = verdicts.join(
        previous.rename({f: f"_old_{f}" for f in VERDICT_COLUMNS}),
        on="card_id",
        how="left",
        maintain_order="left",
    )
    differs = pl.any_horizontal(
        [pl.col(f).ne_missing(pl.col(f"_old_{f}")) for f in VERDICT_COLUMNS]
    )
    old_rank = pl.col("_old_status").replace_strict(rank, default=0, return_dtype=pl.Int8)
    new_rank = pl.col("status").replace_strict(rank, return_dtype=pl.Int8)
    return joined.filter(differs).select(
        *verdicts.columns,
        (new_rank > old_rank.fill_null(0)).alias("worsened"),
    )


def due_reminders(cards: pl.DataFrame, sent: pl.DataFrame, *, today: date) -> pl.DataFrame:
    """(card_id, days_before, user_id, reference) of the reminders to send tonight: the latest
    milestone reached, if not sent yet (``sent``: card_id, days_before), for cards with no
    renewal pending."""
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
