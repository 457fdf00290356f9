"""A synthetic population in the table form, for simulations, tests and the benchmark.

Realistic enough to exercise every path (each criterion met, not met and unknown; exceptions;
leap-year periods) and fully determined by the seed. No real person is in it: nationalities,
levels and amounts are drawn from fixed distributions, never from data.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from relocard.core.rules.bulk import TABLE_SCHEMA

_NATIONALITY = {"RU": 0.93, "BY": 0.02, "KZ": 0.02, "UA": 0.01}
_ISCED = {3: 0.05, 4: 0.03, 5: 0.07, 6: 0.35, 7: 0.38, 8: 0.07}
_LANGUAGE = {
    "en": 0.40, "de": 0.12, "fr": 0.10, "ru": 0.15, "pl": 0.05, "es": 0.04,
    "uk": 0.04, "it": 0.03, "el": 0.02, "tr": 0.02, "sr": 0.01, "nl": 0.02,
}  # fmt: skip
_CEFR = {"A1": 0.10, "A2": 0.15, "B1": 0.25, "B2": 0.25, "C1": 0.15, "C2": 0.10}
_EMPLOYMENT = {"employed": 0.55, "self_employed": 0.20, "none": 0.18}
_TENURE = {"owner": 0.15, "tenant": 0.70, "none": 0.08}
_HOME = {
    "FR": 0.22, "DE": 0.25, "PL": 0.15, "CY": 0.14, "ES": 0.04, "PT": 0.03, "NL": 0.03,
    "IT": 0.03, "CZ": 0.03, "LV": 0.02, "CH": 0.02, "GB": 0.01, "RS": 0.01, "GE": 0.01,
    "TR": 0.01,
}  # fmt: skip


def _pick(rng: np.random.Generator, table: dict, n: int, missing: float) -> list:
    """Draw ``n`` values from ``table`` (weights normalised), ``missing`` share as ``None``."""
    keys = list(table)
    weights = np.array(list(table.values()), dtype=float)
    drawn = rng.choice(len(keys), size=n, p=weights / weights.sum())
    out = np.array(keys, dtype=object)[drawn]
    out[rng.random(n) < missing] = None
    return out.tolist()


def population(n: int, seed: int = 0) -> pl.DataFrame:
    """``n`` synthetic cases in the table form, plus ``force_majeure_absence_days``."""
    if n < 0:
        raise ValueError("n must be zero or more")
    rng = np.random.default_rng(seed)
    # Languages: a list of 0-3 {language, cefr} per row, 5 % unknown (null list).
    counts = rng.choice(4, size=n, p=[0.08, 0.45, 0.35, 0.12])
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    total = int(offsets[-1])
    languages = pa.StructArray.from_arrays(
        [
            pa.array(_pick(rng, _LANGUAGE, total, 0.0), pa.string()),
            pa.array(_pick(rng, _CEFR, total, 0.0), pa.string()),
        ],
        names=["language", "cefr"],
    )
    lists = pa.ListArray.from_arrays(
        pa.array(offsets), languages, mask=pa.array(rng.random(n) < 0.05)
    )
    period = np.where(rng.random(n) < 0.2, 366, 365)
    absence = np.minimum(period, np.rint(rng.exponential(60.0, size=n))).astype(np.int64)
    assets = np.round(rng.lognormal(np.log(15_000), 0.9, size=n), 2)
    force_majeure = rng.integers(1, 41, size=n)

    def nullable(values: np.ndarray, missing: float) -> pa.Array:
        return pa.array(values, mask=rng.random(n) < missing)

    frame = pl.from_arrow(
        pa.table(
            {
                "nationality": pa.array(_pick(rng, _NATIONALITY, n, 0.02), pa.string()),
                "isced_level": nullable(np.array(_pick(rng, _ISCED, n, 0.0), dtype=np.int64), 0.05),
                "languages": lists,
                "employment": pa.array(_pick(rng, _EMPLOYMENT, n, 0.07), pa.string()),
                "housing_tenure": pa.array(_pick(rng, _TENURE, n, 0.07), pa.string()),
                "housing_country": pa.array(_pick(rng, _HOME, n, 0.07), pa.string()),
                "liquid_assets_eur": nullable(assets, 0.06),
                "present_days": nullable(period - absence, 0.06),
                "period_days": nullable(period, 0.02),
                "force_majeure_absence_days": nullable(force_majeure, 0.97),
            }
        )
    )
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns(
        [pl.col(name).cast(dtype) for name, dtype in TABLE_SCHEMA.items()]
        + [pl.col("force_majeure_absence_days").cast(pl.Int64)]
    )
