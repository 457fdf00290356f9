"""Benchmark: the nightly presence recomputation, vectorised vs one holder at a time.

Builds a synthetic population (default 300,000 holders with 50 trip records each, 15 million
rows), then in the same process:

* times ``check_bulk`` over all holders (numpy columns in, per-holder figures out), best of
  ``--repeat`` runs;
* times the straightforward per-holder implementation, a Python loop that builds each holder's
  ``CheckInput`` from its rows and calls ``check``, on a random sample of ``--sample`` holders
  (the full loop would take minutes), and scales the per-holder time to the population;
* checks that both give the same figures on the sample.

Run it with ``uv run python bench/residence.py`` (add ``--holders 30000`` for a quick look).
Results are printed as a Markdown table and written to ``bench/out/residence.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import statistics
import sys
import time
from datetime import date

import numpy as np

from relocard.core.residence import (
    STATUS_ORDER,
    CheckInput,
    Period,
    Source,
    Trip,
    check,
    check_bulk,
)

NAT = np.datetime64("NaT", "D")


def population(holders: int, per_holder: int, seed: int) -> dict[str, np.ndarray]:
    """Random but plausible histories: short trips, a few open returns and lone entries.

    Rows come grouped by holder (as a query ordered by holder returns them) but in random date
    order within a holder, so the bulk code has to sort them itself.
    """
    rng = np.random.default_rng(seed)
    starts = np.datetime64("2025-06-01") + rng.integers(0, 366, holders).astype("timedelta64[D]")
    lengths = np.where(rng.random(holders) < 0.25, 366, 365)
    ends = starts + (lengths - 1).astype("timedelta64[D]")
    as_of = np.full(holders, np.datetime64("2026-06-30"), dtype="datetime64[D]")
    as_of = np.minimum(as_of, ends)  # some periods are over, most are running

    n = holders * per_holder
    holder = np.repeat(np.arange(holders, dtype=np.int64), per_holder)
    offset = rng.integers(-30, 396, n).astype("timedelta64[D]")
    left = starts[holder] + offset
    duration = rng.geometric(0.3, n) - 1  # mostly a few days, sometimes weeks
    returned = left + duration.astype("timedelta64[D]")
    open_return = rng.random(n) < 0.01
    returned[open_return] = NAT
    lone_entry = (rng.random(n) < 0.002) & ~open_return
    left[lone_entry] = NAT
    return {
        "holder": holder,
        "left": left.astype("datetime64[D]"),
        "returned": returned.astype("datetime64[D]"),
        "period_start": starts.astype("datetime64[D]"),
        "period_end": ends.astype("datetime64[D]"),
        "as_of": as_of.astype("datetime64[D]"),
    }


def _date(value: np.datetime64) -> date | None:
    return None if np.isnat(value) else value.astype(date)


def per_holder_inputs(data: dict[str, np.ndarray], sample: np.ndarray) -> list[tuple]:
    """Python values for the sampled holders, as an ORM query would hand them over."""
    bounds = np.searchsorted(data["holder"], np.arange(len(data["period_start"]) + 1))
    out = []
    for h in sample:
        rows = range(bounds[h], bounds[h + 1])
        out.append(
            (
                _date(data["period_start"][h]),
                _date(data["period_end"][h]),
                _date(data["as_of"][h]),
                [(_date(data["left"][i]), _date(data["returned"][i])) for i in rows],
            )
        )
    return out


def run_per_holder(inputs: list[tuple]) -> list[tuple]:
    """The straightforward implementation: one CheckInput and one check per holder.

    A row with no departure is an entry with no exit; the loop builds it as what it is.
    """
    from relocard.core.residence import Crossing, CrossingKind

    results = []
    for start, end, as_of, rows in inputs:
        records = [
            Trip(left, returned, Source.DECLARED)
            if left is not None
            else Crossing(CrossingKind.ENTRY, returned)
            for left, returned in rows
        ]
        result = check(CheckInput("FR", Period(start, end), as_of, tuple(records)))
        results.append(
            (
                result.present_days.min,
                result.present_days.max,
                result.absent_days.min,
                result.absent_days.max,
                result.budget_left.min,
                result.budget_left.max,
                result.status,
            )
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holders", type=int, default=300_000)
    parser.add_argument("--records", type=int, default=50, help="records per holder")
    parser.add_argument("--sample", type=int, default=10_000, help="holders timed one by one")
    parser.add_argument("--repeat", type=int, default=3, help="bulk runs; the best is reported")
    parser.add_argument("--seed", type=int, default=20260630)
    args = parser.parse_args()

    t0 = time.perf_counter()
    data = population(args.holders, args.records, args.seed)
    generated = time.perf_counter() - t0
    rows = len(data["holder"])
    print(f"population: {args.holders:,} holders, {rows:,} rows ({generated:.1f} s to generate)")

    bulk_times = []
    result = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = check_bulk(**data)
        bulk_times.append(time.perf_counter() - t0)
    assert result is not None
    bulk_best, bulk_median = min(bulk_times), statistics.median(bulk_times)
    bulk_worst = max(bulk_times)
    runs = ", ".join(f"{t:.2f}" for t in bulk_times)
    print(f"bulk: runs {runs} s (best {bulk_best:.2f}, median {bulk_median:.2f})")

    rng = np.random.default_rng(args.seed + 1)
    sample = np.sort(rng.choice(args.holders, size=min(args.sample, args.holders), replace=False))
    inputs = per_holder_inputs(data, sample)
    t0 = time.perf_counter()
    loop = run_per_holder(inputs)
    loop_time = time.perf_counter() - t0
    per_holder_us = loop_time / len(sample) * 1e6
    loop_scaled = loop_time / len(sample) * args.holders
    print(
        f"per-holder loop: {loop_time:.2f} s for {len(sample):,} holders "
        f"({per_holder_us:.0f} µs each, {loop_scaled:.1f} s scaled to {args.holders:,})"
    )

    mismatches = 0
    for i, h in enumerate(sample):
        bulk_row = (
            int(result.present_min[h]),
            int(result.present_max[h]),
            int(result.absent_min[h]),
            int(result.absent_max[h]),
            int(result.budget_left_min[h]),
            int(result.budget_left_max[h]),
            STATUS_ORDER[result.status[h]],
        )
        mismatches += bulk_row != loop[i]
    print(f"bulk == per-holder on the sample: {mismatches == 0} ({mismatches} mismatches)")

    speedup = loop_scaled / bulk_best
    speedup_worst = loop_scaled / bulk_worst
    statuses = {s.value: int((result.status == k).sum()) for k, s in enumerate(STATUS_ORDER)}
    report = {
        "holders": args.holders,
        "rows": rows,
        "sample": len(sample),
        "bulk_seconds_best": round(bulk_best, 3),
        "bulk_seconds_median": round(bulk_median, 3),
        "bulk_runs": [round(t, 3) for t in bulk_times],
        "per_holder_seconds_sample": round(loop_time, 3),
        "per_holder_microseconds": round(per_holder_us, 1),
        "per_holder_seconds_scaled": round(loop_scaled, 1),
        "speedup": round(speedup, 1),
        "speedup_against_slowest_bulk_run": round(speedup_worst, 1),
        "mismatches": mismatches,
        "statuses": statuses,
        "machine": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
        },
    }
    print()
    print("| measure | value |")
    print("| --- | --- |")
    print(f"| holders x records | {args.holders:,} x {args.records} = {rows:,} rows |")
    print(
        f"| bulk, all holders: best / median / slowest of {args.repeat} | "
        f"{bulk_best:.2f} / {bulk_median:.2f} / {bulk_worst:.2f} s |"
    )
    print(f"| per-holder loop, {len(sample):,} sampled holders | {loop_time:.2f} s |")
    print(f"| per-holder loop, scaled to all holders | {loop_scaled:.1f} s |")
    print(f"| speed-up (scaled loop / best bulk) | {speedup:.0f}x |")
    print(f"| speed-up (scaled loop / slowest bulk) | {speedup_worst:.0f}x |")
    print(f"| statuses | {statuses} |")

    out = pathlib.Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "residence.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0 if mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
