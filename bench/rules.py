"""Benchmark the rules engine: bulk evaluation against OpenFisca, and single-case explain.

Run (OpenFisca is a benchmark-only dependency)::

    uv sync --group bench
    uv run python bench/rules.py                 # 300,000 cases, renewal and issuance
    uv run python bench/rules.py --rows 30000 --repeat 3

What is timed, per stage, on the same synthetic population (``relocard.core.rules.synthetic``):

* ours: ``evaluate_table`` end to end on the Polars table: input checks, the policy snapshot,
  compiling the criteria to Polars, every criterion's result, the outcome and the first
  criterion not met per row; and the same without the input checks (``validate=False``),
  since OpenFisca checks no input values.
* OpenFisca: the same rules written as OpenFisca variables and formulas; timed end to end
  as OpenFisca needs it: building the tax-benefit system (entities, enums, parameters from the
  same policy snapshot, variables), building the simulation, converting the table to input
  arrays (categories encoded as enum indices; lists of languages spread over slot variables;
  missing values as sentinels, since OpenFisca has no nulls), and calculating the outcome and
  the first criterion not met. Two variants: list-valued parameters read as OpenFisca
  documents (fancy indexing a parameter node with an enum array), and tuned (a numpy lookup
  table per parameter), because the documented way spends most of its time in a per-row
  Python lookup.

Both must agree on every row's outcome and first failing criterion, or the script stops: the
comparison is only fair if the two implement the same rules. Ratios are taken within one run
(medians, and best, of interleaved repeats), because the machine is shared and noisy.

Then: the median of ``evaluate(...).to_dict()`` over distinct cases, i.e. a single explain.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from relocard.core.rules import Facts, evaluate, load_policy
from relocard.core.rules.bulk import evaluate_table, stage_columns
from relocard.core.rules.facts import country_codes, language_codes
from relocard.core.rules.policy import Policy
from relocard.core.rules.synthetic import population
from relocard.core.rules.vocabulary import CEFR_RANK

COUNTRY = "DE"
ON = date(2026, 3, 1)

# --- the same rules, written for OpenFisca ----------------------------------------------------

MET, NOT_MET, UNKNOWN = 1, 0, 2


def openfisca_system(policy: Policy, stage: str, slots: int, *, tuned: bool) -> Any:
    """A tax-benefit system with the criteria of ``stage``, parameters from ``policy``.

    List-valued parameters (accepted nationalities, languages, countries...) are nodes with one
    boolean per enum member. ``tuned=False`` reads them the way OpenFisca documents, by fancy
    indexing with the enum array (``node[codes]``), which looks members up row by row in
    Python; ``tuned=True`` builds a per-member lookup table and indexes it with numpy.
    """
    from openfisca_core.entities import build_entity
    from openfisca_core.indexed_enums import Enum
    from openfisca_core.parameters import ParameterNode
    from openfisca_core.periods import DateUnit
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable

    person = build_entity(key="person", plural="persons", label="Person", is_person=True)
    tbs = TaxBenefitSystem([person])

    countries = ["UNKNOWN", *sorted(country_codes())]
    languages = ["NONE", *sorted(language_codes())]
    country_enum = Enum("Country", [(c, c) for c in countries])
    language_enum = Enum("Language", [(c, c) for c in languages])
    employment_enum = Enum(
        "Employment", [(c, c) for c in ("UNKNOWN", "employed", "self_employed", "none")]
    )
    tenure_enum = Enum("Tenure", [(c, c) for c in ("UNKNOWN", "owner", "tenant", "none")])
    since = "2024-06-01"
    v = policy.values

    def scalar(x: Any) -> dict[str, Any]:
        return {"values": {since: {"value": x}}}

    def members(all_keys: list[str], accepted: Any) -> dict[str, Any]:
        return {k: scalar(k in accepted) for k in all_keys}

    share = v["residence.required_share"]
    tbs.parameters = ParameterNode(
        "",
        data={
            "nationality": {"accepted": members(countries, v["nationality.accepted"])},
            "education": {"min_isced": scalar(v["education.min_isced"])},
            "language": {
                "accepted": members(languages, v["language.accepted"]),
                "min_rank": scalar(CEFR_RANK[v["language.min_cefr"]]),
            },
            "means": {
                "monthly_amount": scalar(float(v["means.monthly_amount"])),
                "months": scalar(v["means.months"]),
            },
            "employment": {
                "accepted": members(list(employment_enum.__members__), v["employment.accepted"])
            },
            "residence": {
                "share_num": scalar(share.numerator),
                "share_den": scalar(share.denominator),
                "force_majeure_cap_days": scalar(v["residence.force_majeure_cap_days"]),
            },
            "housing": {
                "tenures": members(list(tenure_enum.__members__), v["housing.tenures"]),
                "countries": members(countries, v["housing.countries"]),
            },
        },
    )

    def variable(
        name: str,
        value_type: type,
        default: Any = None,
        formula: Callable | None = None,
        enum: Any = None,
    ) -> None:
        attrs: dict[str, Any] = {
            "value_type": value_type,
            "entity": person,
            "definition_period": DateUnit.DAY,
            "label": name,
        }
        if default is not None:
            attrs["default_value"] = default
        if enum is not None:
            attrs["possible_values"] = enum
        if formula is not None:
            attrs["formula"] = formula
        tbs.add_variable(type(name, (Variable,), attrs))

    # Inputs; OpenFisca has no null, so "unknown" is a sentinel member or value.
    variable("nationality", Enum, country_enum.UNKNOWN, enum=country_enum)
    variable("isced_level", int, -1)
    variable("languages_known", bool, False)
    for i in range(slots):
        variable(f"language_{i}", Enum, language_enum.NONE, enum=language_enum)
        variable(f"cefr_{i}", int, 0)
    variable("employment", Enum, employment_enum.UNKNOWN, enum=employment_enum)
    variable("housing_tenure", Enum, tenure_enum.UNKNOWN, enum=tenure_enum)
    variable("housing_country", Enum, country_enum.UNKNOWN, enum=country_enum)
    variable("liquid_assets_eur", float, -1.0)
    variable("present_days", int, -1)
    variable("period_days", int, -1)
    variable("force_majeure_absence_days", int, 0)

    def member(node: Any, enum: Any, codes: Any) -> np.ndarray:
        if not tuned:
            return node[codes]
        table = np.array([bool(node[m.name]) for m in enum])
        return table[np.asarray(codes)]

    def status(known: np.ndarray, ok: np.ndarray) -> np.ndarray:
        return np.where(known, np.where(ok, MET, NOT_MET), UNKNOWN)

    def nationality(p: Any, period: Any, parameters: Any) -> np.ndarray:
        n = p("nationality", period)
        accepted = member(parameters(period).nationality.accepted, country_enum, n)
        return status(n != country_enum.UNKNOWN, accepted)

    def education(p: Any, period: Any, parameters: Any) -> np.ndarray:
        level = p("isced_level", period)
        return status(level >= 0, level >= parameters(period).education.min_isced)

    def language(p: Any, period: Any, parameters: Any) -> np.ndarray:
        params = parameters(period).language
        ok = np.zeros(p.count, dtype=bool)
        for i in range(slots):
            accepted = member(params.accepted, language_enum, p(f"language_{i}", period))
            ok |= accepted & (p(f"cefr_{i}", period) >= params.min_rank)
        return status(p("languages_known", period), ok)

    def means(p: Any, period: Any, parameters: Any) -> np.ndarray:
        assets = p("liquid_assets_eur", period)
        m = parameters(period).means
        return status(assets >= 0, assets >= m.months * m.monthly_amount)

    def employment(p: Any, period: Any, parameters: Any) -> np.ndarray:
        e = p("employment", period)
        accepted = member(parameters(period).employment.accepted, employment_enum, e)
        return status(e != employment_enum.UNKNOWN, accepted)

    def residence(p: Any, period: Any, parameters: Any) -> np.ndarray:
        r = parameters(period).residence
        present, days = p("present_days", period), p("period_days", period)
        fm = p("force_majeure_absence_days", period)
        excused = np.minimum(present + np.minimum(fm, r.force_majeure_cap_days), days)
        counted = np.where((fm > 0) & (present < days), excused, present)
        known = (present >= 0) & (days >= 0)
        return status(known, counted * r.share_den >= days * r.share_num)

    def housing(p: Any, period: Any, parameters: Any) -> np.ndarray:
        h = parameters(period).housing
        tenure, country = p("housing_tenure", period), p("housing_country", period)
        t_known, c_known = tenure != tenure_enum.UNKNOWN, country != country_enum.UNKNOWN
        t_ok = member(h.tenures, tenure_enum, tenure)
        c_ok = member(h.countries, country_enum, country)
        failed = (t_known & ~t_ok) | (c_known & ~c_ok)
        met = t_known & t_ok & c_known & c_ok
        return np.where(failed, NOT_MET, np.where(met, MET, UNKNOWN))

    formulas = {
        "nationality": nationality,
        "education": education,
        "language": language,
        "means": means,
        "employment": employment,
        "residence": residence,
        "housing": housing,
    }
    ids = policy.criteria(stage)
    for cid in ids:
        variable(f"status_{cid}", int, formula=formulas[cid])

    def outcome(p: Any, period: Any, parameters: Any) -> np.ndarray:
        statuses = [p(f"status_{cid}", period) for cid in ids]
        failed = np.logical_or.reduce([s == NOT_MET for s in statuses])
        unknown = np.logical_or.reduce([s == UNKNOWN for s in statuses])
        return np.where(failed, 1, np.where(unknown, 2, 0))

    def first_failing(p: Any, period: Any, parameters: Any) -> np.ndarray:
        out = np.full(p.count, -1)
        for i in reversed(range(len(ids))):
            out = np.where(p(f"status_{ids[i]}", period) == NOT_MET, i, out)
        return out

    variable("outcome", int, formula=outcome)
    variable("first_failing", int, formula=first_failing)
    return tbs


def openfisca_run(
    df: pl.DataFrame,
    policy: Policy,
    stage: str,
    phases: dict[str, float] | None = None,
    *,
    tuned: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Set-up and calculation, end to end: outcome codes and first-failing indexes.

    ``phases``, when given, receives the seconds spent building the system, building the
    simulation with its inputs, and calculating.
    """
    from openfisca_core.simulations import SimulationBuilder

    phases = {} if phases is None else phases
    start = time.perf_counter()
    slots = int(df["languages"].list.len().max() or 0)
    tbs = openfisca_system(policy, stage, slots, tuned=tuned)
    phases["system"] = time.perf_counter() - start
    start = time.perf_counter()
    sim = SimulationBuilder().build_default_simulation(tbs, count=df.height)
    period = ON.isoformat()
    countries = pl.Enum(["UNKNOWN", *sorted(country_codes())])
    languages = pl.Enum(["NONE", *sorted(language_codes())])

    def codes(column: pl.Series, enum: pl.Enum, missing: str) -> np.ndarray:
        return column.fill_null(missing).cast(enum).to_physical().to_numpy()

    def ints(column: pl.Series, missing: int) -> np.ndarray:
        return column.fill_null(missing).to_numpy()

    # Only the inputs the stage's criteria read, as our side checks only those columns.
    needed = set(stage_columns(policy.criteria(stage)))
    if "nationality" in needed:
        sim.set_input("nationality", period, codes(df["nationality"], countries, "UNKNOWN"))
    if "isced_level" in needed:
        sim.set_input("isced_level", period, ints(df["isced_level"], -1))
    if "languages" in needed:
        sim.set_input("languages_known", period, df["languages"].is_not_null().to_numpy())
        for i in range(slots):
            item = df["languages"].list.get(i, null_on_oob=True)
            language = codes(item.struct.field("language"), languages, "NONE")
            sim.set_input(f"language_{i}", period, language)
            rank = item.struct.field("cefr").replace_strict(
                CEFR_RANK, default=0, return_dtype=pl.Int64
            )
            sim.set_input(f"cefr_{i}", period, rank.to_numpy())
    employment = pl.Enum(["UNKNOWN", "employed", "self_employed", "none"])
    tenure = pl.Enum(["UNKNOWN", "owner", "tenant", "none"])
    if "employment" in needed:
        sim.set_input("employment", period, codes(df["employment"], employment, "UNKNOWN"))
    if "housing_tenure" in needed:
        sim.set_input("housing_tenure", period, codes(df["housing_tenure"], tenure, "UNKNOWN"))
        sim.set_input("housing_country", period, codes(df["housing_country"], countries, "UNKNOWN"))
    if "liquid_assets_eur" in needed:
        assets = df["liquid_assets_eur"].cast(pl.Float64).fill_null(-1.0).to_numpy()
        sim.set_input("liquid_assets_eur", period, assets)
    if "present_days" in needed:
        sim.set_input("present_days", period, ints(df["present_days"], -1))
        sim.set_input("period_days", period, ints(df["period_days"], -1))
        days = ints(df["force_majeure_absence_days"], 0)
        sim.set_input("force_majeure_absence_days", period, days)
    phases["simulation"] = time.perf_counter() - start
    start = time.perf_counter()
    result = sim.calculate("outcome", period), sim.calculate("first_failing", period)
    phases["calculation"] = time.perf_counter() - start
    return result


# --- timing ----------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def bulk(df: pl.DataFrame, stage: str, repeat: int) -> dict[str, Any]:
    """Median seconds of ours and of both OpenFisca variants, interleaved, plus phases."""
    policy = load_policy(COUNTRY, on=ON)
    contenders: dict[str, Callable[[dict[str, float]], Any]] = {
        "ours": lambda _: evaluate_table(df, country=COUNTRY, stage=stage, on=ON),
        # Without the input checks (OpenFisca checks no values): the table is canonical.
        "ours_unchecked": lambda _: evaluate_table(
            df, country=COUNTRY, stage=stage, on=ON, validate=False
        ),
        "openfisca": lambda ph: openfisca_run(df, policy, stage, ph, tuned=False),
        "openfisca_tuned": lambda ph: openfisca_run(df, policy, stage, ph, tuned=True),
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    phases: dict[str, dict[str, float]] = {name: {} for name in contenders}
    last: dict[str, Any] = {}
    for _ in range(repeat):  # interleaved, so that all see the same machine load
        for name, run in contenders.items():
            seconds, last[name] = timed(lambda run=run, name=name: run(phases[name]))
            times[name].append(seconds)
    ids = list(policy.criteria(stage))
    outcome_codes = {"eligible": 0, "not_eligible": 1, "undetermined": 2}
    ours = last["ours"]
    ours_outcome = ours["outcome"].cast(pl.String).replace_strict(outcome_codes).to_numpy()
    ours_first = (
        ours["first_failing"]
        .cast(pl.String)
        .replace_strict({c: i for i, c in enumerate(ids)}, default=-1)
        .to_numpy()
    )
    for name in ("openfisca", "openfisca_tuned"):
        outcome, first = last[name]
        if not (np.array_equal(ours_outcome, outcome) and np.array_equal(ours_first, first)):
            raise SystemExit(f"{stage}: {name} and the engine disagree; the comparison is void")
    medians = {name: statistics.median(t) for name, t in times.items()}
    return {"stage": stage, "medians": medians, "phases": phases, "all": times}


def explain_median(df: pl.DataFrame, cases: int) -> dict[str, float]:
    rows = df.head(cases).to_dicts()
    facts = [Facts.from_row(r) for r in rows]
    exceptions = [
        [
            {
                "kind": "force_majeure_absence",
                "days": r["force_majeure_absence_days"],
                "accepted_by": "caseworker 17",
                "reason": "airport closure, evidence E-1",
            }
        ]
        if r["force_majeure_absence_days"]
        else []
        for r in rows
    ]
    mappings = [f.to_mapping() for f in facts]
    for f, e in zip(mappings[:50], exceptions[:50], strict=True):  # warm the caches
        evaluate(country=COUNTRY, stage="renewal", facts=f, on=ON, exceptions=e).to_dict()
    times = []
    for f, e in zip(mappings, exceptions, strict=True):
        start = time.perf_counter()
        evaluate(country=COUNTRY, stage="renewal", facts=f, on=ON, exceptions=e).to_dict()
        times.append(time.perf_counter() - start)
    times.sort()
    return {
        "cases": len(times),
        "median_ms": statistics.median(times) * 1000,
        "p90_ms": times[int(len(times) * 0.9)] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--explain-cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    df = population(args.rows, seed=args.seed)
    print(f"# rules benchmark: {args.rows:,} synthetic cases, {COUNTRY} on {ON}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, polars {pl.__version__}, "
        f"openfisca-core {_version('openfisca-core')}"
    )
    print()
    print(
        "| stage | ours (s) | ours without input checks (s) | OpenFisca, as documented (s) "
        "| ratio | OpenFisca, tuned (s) | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    results = [bulk(df, stage, args.repeat) for stage in ("renewal", "issuance")]
    for r in results:
        m = r["medians"]
        print(
            f"| {r['stage']} | {m['ours']:.3f} | {m['ours_unchecked']:.3f} | "
            f"{m['openfisca']:.3f} | {m['openfisca'] / m['ours']:.1f}x | "
            f"{m['openfisca_tuned']:.3f} | {m['openfisca_tuned'] / m['ours']:.1f}x |"
        )
    print()
    print("Best of the repeats (least disturbed by other load), ratio to ours:")
    for r in results:
        best = {name: min(t) for name, t in r["all"].items()}
        print(
            f"- {r['stage']}: ours {best['ours']:.3f} s; OpenFisca as documented "
            f"{best['openfisca'] / best['ours']:.1f}x, tuned {best['openfisca_tuned'] / best['ours']:.1f}x"
        )
    print()
    print("OpenFisca phases, last run (s): system / simulation and inputs / calculation")
    for r in results:
        for name in ("openfisca", "openfisca_tuned"):
            p = r["phases"][name]
            print(
                f"- {r['stage']}, {name}: {p['system']:.3f} / {p['simulation']:.3f} / "
                f"{p['calculation']:.3f}"
            )
    print()
    e = explain_median(df, args.explain_cases)
    print(
        f"single-case explain (evaluate + to_dict, renewal, {e['cases']} distinct cases): "
        f"median {e['median_ms']:.3f} ms, p90 {e['p90_ms']:.3f} ms"
    )


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
