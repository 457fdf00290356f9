"""Presence for many holders at once: the nightly recomputation, vectorised with numpy.

The same counting as :func:`relocard.core.residence.presence.check` (a Hypothesis test holds
them equal), over columns instead of objects, with no Python loop over holders or records:

* records: ``holder`` (index into the per-holder arrays), ``left`` and ``returned``
  (``datetime64[D]``, ``NaT`` when unknown). A row with both dates is a trip, a row without
  ``returned`` a departure with no return (a trip or an unpaired exit), a row without ``left``
  an entry with no departure before it. Exit and entry crossings must be paired into such rows
  first (:func:`records_to_rows` does it for one holder's records, the same way ``check`` does).
* holders: ``period_start``, ``period_end`` and ``as_of`` (``datetime64[D]``).

How it works: every unknown end is bounded with ``searchsorted`` on the holder-major sorted
dates (the next or previous known presence date), the spans are sorted once by (holder,
departure), and the length of a union of intervals per holder falls out of a running maximum
of the interval ends: each interval adds the part of it that lies beyond every earlier end.
Keys are ``holder * stride + day`` so one sort and one running maximum serve all holders.
Warnings, evidence lists and the latest return date are per-holder explanations, not figures:
the nightly run computes them with ``check`` for the few holders whose status changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final

import numpy as np

from relocard.core.residence.errors import ResidenceInputError
from relocard.core.residence.presence import Status, build_spans
from relocard.core.residence.records import MAX_PERIOD_DAYS, Record

if TYPE_CHECKING:
    import polars as pl

#: ``BulkResult.status`` holds indexes into this tuple.
STATUS_ORDER: Final = (Status.MET, Status.NOT_MET, Status.ON_TRACK, Status.AT_RISK)
_MET, _NOT_MET, _ON_TRACK, _AT_RISK = range(4)

_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class BulkResult:
    """Per-holder figures, each an array of length ``n_holders`` (same meaning as in
    :class:`~relocard.core.residence.presence.PresenceResult`)."""

    days_in_period: np.ndarray
    required_present_days: np.ndarray
    present_min: np.ndarray
    present_max: np.ndarray
    absent_min: np.ndarray
    absent_max: np.ndarray
    budget_left_min: np.ndarray
    budget_left_max: np.ndarray
    status: np.ndarray  # int8 indexes into STATUS_ORDER

    def status_names(self) -> np.ndarray:
        """The status as strings ("met", "at_risk", ...)."""
        return np.array([s.value for s in STATUS_ORDER], dtype=object)[self.status]

    def to_polars(self) -> pl.DataFrame:
        import polars as pl

        return pl.DataFrame(
            {
                "holder": np.arange(len(self.status)),
                "days_in_period": self.days_in_period,
                "required_present_days": self.required_present_days,
                "present_min": self.present_min,
                "present_max": self.present_max,
                "absent_min": self.absent_min,
                "absent_max": self.absent_max,
                "budget_left_min": self.budget_left_min,
                "budget_left_max": self.budget_left_max,
                "status": pl.Series(self.status_names(), dtype=pl.String).cast(
                    pl.Enum([s.value for s in STATUS_ORDER])
                ),
            }
        )


def _days(values: object, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Epoch days (int64) and the NaT mask of a date column."""
    array = np.asarray(values)
    if array.dtype.kind != "M":
        raise ResidenceInputError(
            "bulk_bad_shape", name, detail=f"expected datetime64[D] dates, got dtype {array.dtype}"
        )
    array = array.astype("datetime64[D]", copy=False)
    missing = np.isnat(array)
    return array.view(np.int64), missing


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def check_bulk(
    holder: Sequence[int] | np.ndarray,
    left: np.ndarray,
    returned: np.ndarray,
    period_start: np.ndarray,
    period_end: np.ndarray,
    as_of: np.ndarray | None = None,
) -> BulkResult:
    """Present and absent days (min and max), budget left and status for every holder.

    ``as_of`` defaults to each period's end. Raises :class:`ResidenceInputError` naming the
    first bad row (``records[i]``) or holder (``holders[j]``).
    """
    h = np.asarray(holder)
    if h.dtype.kind not in "iu":
        raise ResidenceInputError(
            "bulk_bad_shape", "holder", detail=f"expected integer holder indexes, got {h.dtype}"
        )
    h = h.astype(np.int64, copy=False)
    dep, dep_missing = _days(left, "left")
    ret, ret_missing = _days(returned, "returned")
    start, start_missing = _days(period_start, "period_start")
    end, end_missing = _days(period_end, "period_end")
    n, m = len(h), len(start)
    if not (len(dep) == len(ret) == n and len(end) == m):
        raise ResidenceInputError(
            "bulk_bad_shape",
            "input",
            detail="holder, left and returned must have one length, period_start and period_end another",
        )
    if as_of is None:
        as_of_days, as_of_missing = end, end_missing
    else:
        as_of_days, as_of_missing = _days(as_of, "as_of")
        if len(as_of_days) != m:
            raise ResidenceInputError(
                "bulk_bad_shape", "as_of", detail="as_of must have one date per holder"
            )
    _validate(h, dep, dep_missing, ret, ret_missing, m, start, start_missing, end, end_missing)
    if as_of_missing.any():
        raise ResidenceInputError(
            "bulk_bad_shape", f"holders[{_first_bad(as_of_missing)}].as_of", detail="missing date"
        )

    days = end - start + 1
    required = (3 * days + 3) // 4
    budget = days - required
    count_hi = np.minimum(as_of_days, end)

    if n == 0:
        zero = np.zeros(m, dtype=np.int64)
        return _result(
            days, required, budget, start, end, as_of_days, count_hi, zero, zero, zero, zero
        )

    # Shift every day into [1, stride - 4] so that holder * stride + day orders rows by holder
    # first; 0 and stride - 1 are the sentinels "before every day" and "after every day".
    big = np.iinfo(np.int64).max
    lows = [
        np.min(a, where=~missing, initial=big)
        for a, missing in ((dep, dep_missing), (ret, ret_missing))
    ]
    highs = [
        np.max(a, where=~missing, initial=-big)
        for a, missing in ((dep, dep_missing), (ret, ret_missing))
    ]
    base = int(min(*lows, start.min(), as_of_days.min())) - 1
    stride = int(max(*highs, end.max(), as_of_days.max())) - base + 4
    # int32 halves the memory traffic whenever the keys fit (300,000 holders x 7,000 days do).
    dtype = np.int32 if (m + 1) * stride < 2**31 - 1 else np.int64
    pos = stride - 1
    # Arrays are dropped (del) as soon as they are used: the run touches less memory.
    ret_s = _shift(ret, ret_missing, base, dtype)
    keys = _shift(dep, dep_missing, base, dtype)
    owner = h.astype(dtype)
    owner *= dtype(stride)
    keys += owner

    # Sort the rows that have a departure by (holder, departure): one sort serves everything.
    exits = np.flatnonzero(dep_missing)
    exit_owner, exit_ret = owner[exits], ret_s[exits]
    del owner
    with_dep = np.flatnonzero(~dep_missing) if len(exits) else None
    order, sorted_dep = _sort_with_order(keys if with_dep is None else keys[with_dep], dtype)
    del keys
    if with_dep is not None:
        order = with_dep[order]
        del with_dep
    owner_o = sorted_dep // stride
    owner_o *= dtype(stride)
    dep_o = sorted_dep - owner_o
    ret_lo = ret_s[order]
    open_mask = ret_missing[order]
    del ret_s, order
    ret_hi = ret_lo.copy()

    sorted_ret = None
    open_rows = np.flatnonzero(open_mask)
    if len(open_rows) or len(exits):
        # In departure order the returns are nearly sorted already (trips rarely overlap),
        # which numpy's stable sort (timsort for these types) exploits.
        returns = owner_o + ret_lo
        if len(open_rows):
            returns = returns[~open_mask]
        if len(exits):
            returns = np.concatenate([returns, exit_owner + exit_ret])
        sorted_ret = np.sort(returns, kind="stable")
    if len(open_rows):
        # A missing return lies between the departure and the next known presence.
        o, d = owner_o[open_rows], dep_o[open_rows]
        ret_lo[open_rows] = d
        ret_hi[open_rows] = np.minimum(
            _next_after(sorted_dep, o, d, stride, pos), _next_after(sorted_ret, o, d, stride, pos)
        )
    del open_mask, open_rows
    # Most and least intervals start together (the departure is known): dep + 1.
    starts, most_e, least_e = dep_o, ret_hi, ret_lo
    starts += 1
    most_e -= 1
    least_e -= 1

    if len(exits):
        # A missing departure lies between the previous known presence and the entry. These rows
        # are few: sort them alone and insert them where they belong.
        assert sorted_ret is not None
        o, r = exit_owner, exit_ret
        prev = np.maximum(_prev_before(sorted_dep, o, r), _prev_before(sorted_ret, o, r))
        extra = np.argsort(o.astype(np.int64) + prev, kind="stable")
        o, r, prev = o[extra], r[extra], prev[extra]
        at = np.searchsorted(sorted_dep, o + prev, side="right")
        owner_o = np.insert(owner_o, at, o)
        starts = np.insert(starts, at, prev + 1)
        most_e = np.insert(most_e, at, r - 1)
        least_e = np.insert(least_e, at, prev)  # empty: [prev + 1, prev]

    bounds = np.searchsorted(owner_o, np.arange(m + 1, dtype=np.int64) * stride)
    counts = np.diff(bounds)
    # Every union clips to the same window start: clip the starts once.
    np.maximum(starts, np.repeat((start - base).astype(dtype), counts), out=starts)
    we_count = np.repeat((count_hi - base).astype(dtype), counts)
    we_proj = np.repeat((end - base).astype(dtype), counts)

    def union(e: np.ndarray, we: np.ndarray) -> np.ndarray:
        return _union_lengths(owner_o, starts, e, we, bounds)

    absent_min = union(least_e, we_count)
    absent_max = union(most_e, we_count)
    projected_min = union(least_e, we_proj)
    projected_max = union(most_e, we_proj)
    return _result(
        days,
        required,
        budget,
        start,
        end,
        as_of_days,
        count_hi,
        absent_min,
        absent_max,
        projected_min,
        projected_max,
    )


def _shift(days: np.ndarray, missing: np.ndarray, base: int, dtype: type) -> np.ndarray:
    """Days relative to ``base`` in ``dtype``; unknown days become 0 (filled in later)."""
    out = np.empty(len(days), dtype=dtype)
    np.subtract(days, base, out=out, casting="unsafe")
    out[missing] = 0
    return out


def _sort_with_order(keys: np.ndarray, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """The permutation that sorts ``keys``, and the sorted keys.

    Packing (key, row) into one int64 and sorting values is about three times faster than
    ``argsort`` here (numpy sorts integers with a radix sort), and the rows come out in
    order for equal keys.
    """
    n = len(keys)
    bits = max(1, int(n).bit_length())
    if n and int(keys.max()).bit_length() + bits <= 62:
        packed = keys.astype(np.int64)
        packed <<= bits
        packed |= np.arange(n, dtype=np.int64)
        packed.sort(kind="stable")
        ordered = (packed >> bits).astype(dtype)
        packed &= (1 << bits) - 1  # the rows, in place
        return packed, ordered
    order = np.argsort(keys, kind="stable")
    return order, keys[order]


def _next_after(
    sorted_keys: np.ndarray, owner: np.ndarray, day: np.ndarray, stride: int, pos: int
) -> np.ndarray:
    """For each query, the first known day > ``day`` of the same holder, else ``pos``."""
    found = np.full(len(day), pos, dtype=sorted_keys.dtype)
    if len(sorted_keys) == 0:
        return found
    at = np.searchsorted(sorted_keys, owner + day, side="right")
    ok = at < len(sorted_keys)
    candidate = sorted_keys[np.minimum(at, len(sorted_keys) - 1)] - owner
    ok &= candidate < stride
    found[ok] = candidate[ok]
    return found


def _prev_before(sorted_keys: np.ndarray, owner: np.ndarray, day: np.ndarray) -> np.ndarray:
    """For each query, the last known day < ``day`` of the same holder, else 0 (before all)."""
    found = np.zeros(len(day), dtype=sorted_keys.dtype)
    if len(sorted_keys) == 0:
        return found
    at = np.searchsorted(sorted_keys, owner + day, side="left") - 1
    ok = at >= 0
    candidate = sorted_keys[np.maximum(at, 0)] - owner
    ok &= candidate >= 0
    found[ok] = candidate[ok]
    return found


def _union_lengths(
    owner: np.ndarray, s: np.ndarray, e: np.ndarray, we: np.ndarray, bounds: np.ndarray
) -> np.ndarray:
    """Per holder, the number of days in the union of [s, e] clipped to [.., we].

    ``s`` is already clipped to the window's start.

    Rows are sorted by (holder, s). Each interval adds the days beyond the largest end seen so
    far in its holder; ``owner`` (holder * stride) keeps holders apart in the running maximum.
    No mask is needed for empty intervals: an empty one (e < s) gains nothing, and the end it
    leaves in the running maximum is below every later start, so it cannot hide a later day
    (an interval wholly after the window only precedes others after the window).
    """
    stop = np.minimum(e, we)
    reach = owner + stop
    np.maximum.accumulate(reach, out=reach)
    before = np.empty_like(reach)
    before[0] = -1
    before[1:] = reach[:-1]
    del reach
    before -= owner  # negative when the running maximum belongs to an earlier holder
    start = s - 1
    np.maximum(start, before, out=start)
    del before
    stop -= start
    np.maximum(stop, 0, out=stop)
    # A holder gains at most 366 days, so the running total fits the day type whenever
    # holders x 366 does; summing in the same type avoids a slow widening pass.
    wide = len(bounds) * (MAX_PERIOD_DAYS + 1) >= np.iinfo(stop.dtype).max
    total = np.zeros(len(stop) + 1, dtype=np.int64 if wide else stop.dtype)
    np.cumsum(stop, out=total[1:])
    return (total[bounds[1:]] - total[bounds[:-1]]).astype(np.int64)


def _result(
    days: np.ndarray,
    required: np.ndarray,
    budget: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    as_of: np.ndarray,
    count_hi: np.ndarray,
    absent_min: np.ndarray,
    absent_max: np.ndarray,
    projected_min: np.ndarray,
    projected_max: np.ndarray,
) -> BulkResult:
    elapsed = np.maximum(0, count_hi - start + 1)
    over = as_of >= end
    status = np.where(
        over,
        np.where(absent_max <= budget, _MET, _NOT_MET),
        np.where(projected_max <= budget, _ON_TRACK, _AT_RISK),
    ).astype(np.int8)
    return BulkResult(
        days_in_period=days,
        required_present_days=required,
        present_min=elapsed - absent_max,
        present_max=elapsed - absent_min,
        absent_min=absent_min,
        absent_max=absent_max,
        budget_left_min=budget - projected_max,
        budget_left_max=budget - projected_min,
        status=status,
    )


def _validate(
    h: np.ndarray,
    dep: np.ndarray,
    dep_missing: np.ndarray,
    ret: np.ndarray,
    ret_missing: np.ndarray,
    m: int,
    start: np.ndarray,
    start_missing: np.ndarray,
    end: np.ndarray,
    end_missing: np.ndarray,
) -> None:
    bad = (h < 0) | (h >= m)
    if bad.any():
        i = _first_bad(bad)
        raise ResidenceInputError(
            "bulk_bad_shape",
            f"records[{i}].holder",
            detail=f"{h[i]} is not a holder index (0 to {m - 1})",
        )
    bad = dep_missing & ret_missing
    if bad.any():
        raise ResidenceInputError(
            "bulk_bad_shape",
            f"records[{_first_bad(bad)}]",
            detail="neither left nor returned is known",
        )
    bad = ~dep_missing & ~ret_missing & (ret < dep)
    if bad.any():
        i = _first_bad(bad)
        raise ResidenceInputError(
            "return_before_departure",
            f"records[{i}].returned",
            returned=_iso(ret[i]),
            left=_iso(dep[i]),
        )
    bad = start_missing | end_missing
    if bad.any():
        raise ResidenceInputError(
            "bulk_bad_shape", f"holders[{_first_bad(bad)}].period", detail="missing date"
        )
    bad = end < start
    if bad.any():
        i = _first_bad(bad)
        raise ResidenceInputError(
            "period_reversed", f"holders[{i}].period", start=_iso(start[i]), end=_iso(end[i])
        )
    bad = end - start + 1 > MAX_PERIOD_DAYS
    if bad.any():
        i = _first_bad(bad)
        raise ResidenceInputError(
            "period_too_long",
            f"holders[{i}].period",
            start=_iso(start[i]),
            end=_iso(end[i]),
            days=int(end[i] - start[i] + 1),
        )


def _iso(epoch_day: np.integer | int) -> str:
    return date.fromordinal(int(epoch_day) + _EPOCH_ORDINAL).isoformat()


def records_to_rows(records: Sequence[Record]) -> list[tuple[date | None, date | None]]:
    """One holder's records as (left, returned) rows for :func:`check_bulk`.

    Exit and entry crossings are paired exactly as :func:`check` pairs them, so the bulk figures
    equal the single check's for any records. Rows keep their own unknown ends (``None``).
    """
    spans, _ = build_spans(records)
    rows: list[tuple[date | None, date | None]] = []
    for span in spans:
        kind = span.kind.value
        left = None if kind == "missing_exit" else date.fromordinal(span.dep_hi)
        returned = None if kind == "missing_return" else date.fromordinal(span.ret_lo)
        rows.append((left, returned))
    return rows


def check_bulk_frame(records: pl.DataFrame, holders: pl.DataFrame) -> pl.DataFrame:
    """:func:`check_bulk` over polars frames.

    ``records`` has columns ``holder`` (row number in ``holders``), ``left`` and ``returned``
    (``Date``, null when unknown); other columns, such as ``source``, are ignored: sources never
    change a count. ``holders`` has ``period_start``, ``period_end`` and optionally ``as_of``.
    Returns :meth:`BulkResult.to_polars` (one row per holder, in order).
    """
    as_of = holders["as_of"].to_numpy() if "as_of" in holders.columns else None
    result = check_bulk(
        records["holder"].to_numpy(),
        records["left"].to_numpy(),
        records["returned"].to_numpy(),
        holders["period_start"].to_numpy(),
        holders["period_end"].to_numpy(),
        as_of,
    )
    return result.to_polars()
